import { randomBytes } from 'node:crypto'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, observer, playgroundClient, randomSpace, request, type TestClient } from '../../test/harness.ts'
import { isInstanceFigures, RESILIENCE_PATH, type InstanceFigures } from '../protocol/index.ts'
import { startSandboxServer, type SandboxServer } from '../server/index.ts'
import { createLoopLag, isLearnerNamespace, LOOP_WINDOW_MS } from './cluster.ts'
import { projectorKey } from './index.ts'

const SITE = 'http://localhost:4321'
const secret = randomBytes(32).toString('base64url')
let instance: SandboxServer
const sockets: Socket[] = []
let learner: TestClient

beforeAll(async () => {
  instance = await startSandboxServer({ instanceId: 'i1', port: 0, redisUrl: null, instructorToken: secret, log: () => undefined })
})
afterAll(async () => {
  for (const socket of sockets) socket.disconnect()
  await instance?.close()
})

const cluster = (headers: Record<string, string>): Promise<Response> =>
  fetch(`${instance.url}/instructor/cluster`, { headers: { Origin: SITE, ...headers } })

async function figures(key = secret): Promise<InstanceFigures> {
  const response = await cluster({ Authorization: `Bearer ${key}` })
  expect(response.status).toBe(200)
  const body: unknown = await response.json()
  if (!isInstanceFigures(body)) throw new Error(`not InstanceFigures: ${JSON.stringify(body)}`)
  return body
}

describe('GET /instructor/cluster', () => {
  it("counts a class member's page socket (/class) as a learner's, the tracers and the Admin UI as observers", () => {
    expect(['/s/k7q2mx/chat', '/s/k7q2mx/streams', '/class'].map(isLearnerNamespace)).toEqual([true, true, true])
    expect(['/observe', '/admin-ui', '/', '/s/bad/chat'].map(isLearnerNamespace)).toEqual([false, false, false, false])
  })

  it('counts learner sockets (lesson 5 included) apart from observer sockets, and learner events', async () => {
    const space = randomSpace()
    learner = await playgroundClient(instance, space, '/chat', 'A')
    sockets.push(learner.socket, (await observer(instance, space)).socket)
    const lab = connect(`${instance.url}/s/${space}/streams`, {
      path: RESILIENCE_PATH,
      forceNew: true,
      transports: ['websocket'],
      auth: { label: 'B' },
    })
    sockets.push(lab)
    await new Promise<void>((resolve, reject) => {
      lab.once('connect', () => resolve())
      lab.once('connect_error', reject)
    })
    for (let n = 0; n < 5; n++) await request(learner, 'room:join', { room: `r${n}` })
    await eventually(async () => {
      const body = await figures()
      expect(body).toMatchObject({ instance: 'i1', state: 'ok', redis: 'disabled', learnerSockets: 2, observerSockets: 1 })
      expect(body.eventsInPerSecond).toBeGreaterThan(0)
    }, 12_000)
    const body = await figures()
    expect(body.rssBytes).toBeGreaterThan(body.heapUsedBytes)
    expect(body.loopLagP99Ms).toBeGreaterThanOrEqual(body.loopLagP50Ms)
    expect(body.windowSeconds).toBe(10)
  }, 20_000)

  it('answers the projector key (read-only) too', async () => {
    expect((await figures(projectorKey(secret))).instance).toBe('i1')
  })

  it.each([
    ['no key', {}],
    ['a wrong key', { Authorization: `Bearer ${randomBytes(32).toString('base64url')}` }],
  ])('refuses %s with 401 INSTRUCTOR_UNAUTHORIZED', async (_, headers: Record<string, string>) => {
    const response = await cluster(headers)
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INSTRUCTOR_UNAUTHORIZED')
  })

  it('refuses the right key from a page on another origin', async () => {
    const response = await fetch(`${instance.url}/instructor/cluster`, {
      headers: { Origin: 'http://evil.test', Authorization: `Bearer ${secret}` },
    })
    expect(response.status).toBe(403)
  })

  it('answers with metrics off: null event rates, the loop delay still measured', async () => {
    const quiet = await startSandboxServer({
      instanceId: 'i2',
      port: 0,
      redisUrl: null,
      metrics: false,
      instructorToken: secret,
      log: () => undefined,
    })
    try {
      const response = await fetch(`${quiet.url}/instructor/cluster`, { headers: { Authorization: `Bearer ${secret}` } })
      const body: unknown = await response.json()
      expect(isInstanceFigures(body)).toBe(true)
      expect(body).toMatchObject({ instance: 'i2', eventsInPerSecond: null, eventsOutPerSecond: null })
    } finally {
      await quiet.close()
    }
  })
})

describe('drain()', () => {
  it('closes connections without a disconnect packet: the client reconnects by itself', async () => {
    const drained = await startSandboxServer({ instanceId: 'i3', port: 0, redisUrl: null, log: () => undefined })
    const client = await playgroundClient(drained, randomSpace(), '/chat', 'A')
    sockets.push(client.socket)
    const reason = new Promise<string>((resolve) => client.socket.once('disconnect', resolve))
    const reconnecting = new Promise<void>((resolve) => client.socket.io.once('reconnect_attempt', () => resolve()))
    await drained.drain()
    expect(await reason).toBe('transport close')
    await reconnecting
    client.socket.disconnect()
  })
})

describe('createLoopLag', () => {
  it('reports one window per read, at most one per second', () => {
    let now = 0
    const lag = createLoopLag(() => now)
    const first = lag.read()
    expect(first).toEqual({ p50Ms: 0, p99Ms: 0 })
    now += LOOP_WINDOW_MS - 1
    expect(lag.read()).toBe(first)
    lag.close()
  })
})
