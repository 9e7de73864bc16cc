import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { projectorKey } from '@realtime-workbook/sandbox-server/instructor'
import { isFaultAnswer, isFaultsStatus, type FaultsStatus } from '@realtime-workbook/sandbox-server/protocol'
import { freePort } from '../../sandbox-server/test/harness.ts'
import { createFaultRoutes, MAX_FAULT_BODY_BYTES, type FaultTarget } from './faults.ts'
import { redisAnswers, startRedisServer, type RedisSource } from './redis.ts'
import type { ProcessState } from './cluster.ts'

const SITE = 'http://localhost:4321'
const secret = randomBytes(32).toString('base64url')

/** A stand-in for a supervised instance: kill/drain end it once, then it is `down`. */
function target(id: string): FaultTarget & { ended: string[] } {
  const ended: string[] = []
  let state: ProcessState = 'running'
  const end = (how: string) => () => {
    if (state !== 'running') return Promise.resolve(false)
    state = 'down'
    ended.push(how)
    return Promise.resolve(true)
  }
  return {
    id,
    port: 4001,
    restarts: 0,
    get state() {
      return state
    },
    kill: end('kill'),
    drain: end('drain'),
    ended,
  }
}

const children: RedisSource[] = []
afterEach(() => {
  for (const source of children.splice(0)) if (source.kind === 'started') source.child.kill('SIGKILL')
})

function setup(redis: RedisSource = { kind: 'existing', url: 'redis://127.0.0.1:6379' }) {
  const lines: string[] = []
  const instances = [target('i1'), target('i2')]
  const app = createFaultRoutes({
    secret: () => secret,
    allowedOrigins: () => new Set([SITE]),
    instances: () => instances,
    redis,
    log: (line) => lines.push(line),
  })
  const call = async (init: { method?: string; body?: string; headers?: Record<string, string> } = {}) => {
    const response = await app.request('/instructor/api/faults', {
      method: init.method ?? 'GET',
      body: init.body,
      headers: { Origin: SITE, Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json', ...init.headers },
    })
    return { status: response.status, body: (await response.json()) as unknown }
  }
  const post = (body: unknown, headers: Record<string, string> = {}) => call({ method: 'POST', body: JSON.stringify(body), headers })
  return { lines, instances, call, post }
}

const codeOf = (body: unknown): string | undefined => (body as { error?: { code?: string } }).error?.code

describe('fault controls', () => {
  it('list the instances and say why an external Redis cannot be controlled', async () => {
    const { call } = setup()
    const { status, body } = await call()
    expect(status).toBe(200)
    expect(isFaultsStatus(body)).toBe(true)
    const faults = body as FaultsStatus
    expect(faults.instances.map((i) => i.id)).toEqual(['i1', 'i2'])
    expect(faults.redis).toMatchObject({ controllable: false, state: 'external' })
    expect(faults.redis.reason).toContain('did not start')
  })

  it('kill and drain an instance, logging who asked and never the key', async () => {
    const { post, instances, lines } = setup()
    const killed = await post({ action: 'kill', instance: 'i2' })
    expect(killed.status).toBe(200)
    expect(isFaultAnswer(killed.body)).toBe(true)
    expect(instances[1]?.ended).toEqual(['kill'])
    expect((await post({ action: 'drain', instance: 'i2' })).status).toBe(409)
    expect((await post({ action: 'drain', instance: 'i1' })).status).toBe(200)
    expect(lines.join('\n')).toMatch(/fault control: kill i2, asked by the instructor at/)
    expect(lines.join('\n')).not.toContain(secret.slice(0, 16))
  })

  it.each([
    ['no key', { Authorization: '' }, 401],
    ['the projector key (reads only)', { Authorization: `Bearer ${projectorKey(secret)}` }, 401],
    ['a wrong key', { Authorization: `Bearer ${randomBytes(32).toString('base64url')}` }, 401],
    ['a page on another origin', { Origin: 'http://evil.test' }, 403],
    ['a form post', { 'Content-Type': 'text/plain' }, 415],
  ])('refuse %s', async (_, headers: Record<string, string>, status: number) => {
    const { post, instances, lines } = setup()
    const answer = await post({ action: 'kill', instance: 'i1' }, headers)
    expect(answer.status).toBe(status)
    expect(codeOf(answer.body)).toBeTruthy()
    expect(instances[0]?.ended).toEqual([])
    if (status === 401) expect(lines.join('\n')).toMatch(/refused a fault control request/)
  })

  it('log refused keys sampled: 50 guesses from one address write 5 lines, not 50', async () => {
    const { post, lines } = setup()
    for (let i = 0; i < 50; i++)
      expect((await post({ action: 'kill', instance: 'i1' }, { Authorization: 'Bearer guess' })).status).toBe(401)
    expect(lines.filter((line) => line.includes('refused a fault control request'))).toHaveLength(5)
  })

  it('refuse bad and oversized bodies with typed errors', async () => {
    const { post, call } = setup()
    expect(codeOf((await post({ action: 'explode' })).body)).toBe('INVALID_PAYLOAD')
    expect(codeOf((await post({ action: 'kill', instance: 'i9' })).body)).toBe('INVALID_PAYLOAD')
    expect(codeOf((await post({ action: 'kill', instance: 'i3' })).body)).toBe('INVALID_PAYLOAD')
    expect(codeOf((await call({ method: 'POST', body: '{' })).body)).toBe('INVALID_PAYLOAD')
    const big = await call({ method: 'POST', body: JSON.stringify({ action: 'kill', instance: 'x'.repeat(MAX_FAULT_BODY_BYTES) }) })
    expect(big.status).toBe(413)
    expect(codeOf((await post({ action: 'redis-stop' })).body)).toBe('FAULT_UNAVAILABLE')
  })

  it('stop and restart a Redis the launcher started', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const child = await startRedisServer(url)
    if (!child) throw new Error('redis-server did not start')
    const redis: RedisSource = { kind: 'started', url, child }
    children.push(redis)
    const { post } = setup(redis)
    const stopped = await post({ action: 'redis-stop' })
    expect(stopped.status).toBe(200)
    expect((stopped.body as { status: FaultsStatus }).status.redis.state).toBe('stopped')
    expect(await redisAnswers(url, 300)).toBe(false)
    expect(codeOf((await post({ action: 'redis-stop' })).body)).toBe('FAULT_UNAVAILABLE')
    const started = await post({ action: 'redis-start' })
    expect(started.status).toBe(200)
    expect((started.body as { status: FaultsStatus }).status.redis.state).toBe('running')
    expect(await redisAnswers(url)).toBe(true)
  })
})
