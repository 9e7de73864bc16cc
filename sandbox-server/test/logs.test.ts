/**
 * The instance's structured log, read from a real instance: JSON lines with time, level,
 * instance, address and code; no token, cookie or message body; long headers truncated;
 * repeated refusals sampled; and a space's own log lines streamed to its observers (only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io as connect } from 'socket.io-client'
import { startSandboxServer, type SandboxServer } from '../src/index.ts'
import { isTraceEvent, type TraceEvent } from '../src/protocol/index.ts'
import { eventually, observer, playgroundClient, randomSpace, request, SHARED_REDIS_URL, uniquePrefix } from './harness.ts'
import { EVIL, raw, SITE } from './security-raw.ts'

let instance: SandboxServer
const lines: string[] = []
const entries = (): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
const closing: (() => void)[] = []

beforeAll(async () => {
  instance = await startSandboxServer({
    port: 0,
    instanceId: 'i7',
    redisUrl: SHARED_REDIS_URL,
    keyPrefix: uniquePrefix(),
    allowedOrigins: [SITE],
    logFormat: 'json',
    log: (line) => lines.push(line),
  })
})
afterAll(async () => {
  for (const close of closing) close()
  await instance.close()
})

describe('structured log lines', () => {
  it('a refused 8 KB Origin is one short JSON line with time, level, instance, address and code', async () => {
    const origin = `http://${'a'.repeat(8_192)}.example`
    const answer = await raw(`${instance.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } })
    expect(answer.status).toBe(403)
    await eventually(() => expect(entries().some((e) => e.code === 'FORBIDDEN_ORIGIN')).toBe(true))
    const line = lines.find((l) => l.includes('FORBIDDEN_ORIGIN')) ?? ''
    expect(line.length).toBeLessThan(500)
    expect(JSON.parse(line)).toMatchObject({
      level: 'warn',
      instance: 'i7',
      code: 'FORBIDDEN_ORIGIN',
      address: expect.stringMatching(/127\.0\.0\.1/),
    })
    expect(Date.parse(String(JSON.parse(line).time))).toBeGreaterThan(Date.now() - 60_000)
  })

  it('samples a flood of identical refusals: the first few lines per code and address, not one per request', async () => {
    const before = entries().filter((e) => e.code === 'FORBIDDEN_ORIGIN').length
    for (let i = 0; i < 40; i++) await raw(`${instance.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: EVIL } })
    const written = entries().filter((e) => e.code === 'FORBIDDEN_ORIGIN').length - before
    expect(written).toBeLessThanOrEqual(5)
  })

  it('never writes a token, a cookie or a message body', async () => {
    const space = randomSpace()
    const open = (auth: Record<string, string>) => {
      const socket = connect(`${instance.url}/s/${space}/chat`, {
        forceNew: true,
        transports: ['websocket'],
        auth,
        extraHeaders: { Cookie: 'session=secret-cookie', Authorization: 'Bearer secret-bearer' },
      })
      closing.push(() => socket.disconnect())
      return socket
    }
    // The playground's auth has no token field: refused, and the refusal is logged without it.
    const refused = open({ label: 'A', token: 'eyJ.secret-token' })
    const error = await new Promise<{ data?: { code?: string } }>((resolve) => refused.once('connect_error', resolve))
    expect(error.data?.code).toBe('INVALID_HANDSHAKE')
    const socket = open({ label: 'A' })
    await new Promise((resolve) => socket.once('hello', resolve))
    const answer = await request<{ error?: { code: string } }>(socket, 'no-such-event', { text: 'secret-body' })
    expect(answer.error?.code).toBe('UNKNOWN_EVENT')
    await request(socket, 'send', { call: 'io.emit', text: 'secret-body-2', extra: 'x'.repeat(10_000) })
    await eventually(() => {
      const mine = entries().filter((e) => e.space === space)
      expect(mine.map((e) => e.code).sort()).toEqual(['INVALID_HANDSHAKE', 'INVALID_PAYLOAD', 'UNKNOWN_EVENT'])
    })
    expect(lines.join('\n')).not.toMatch(/secret-token|secret-cookie|secret-bearer|secret-body/)
  })
})

describe('log lines of a space, streamed to its observers', () => {
  it('an observer of the space gets its refusals as `log` trace events; an observer of another space does not', async () => {
    const space = randomSpace()
    const other = randomSpace()
    const mine = await observer(instance, space)
    const theirs = await observer(instance, other)
    closing.push(
      () => mine.socket.disconnect(),
      () => theirs.socket.disconnect(),
    )
    const a = await playgroundClient(instance, space, '/chat', 'A')
    const b = await playgroundClient(instance, other, '/chat', 'B')
    closing.push(
      () => a.socket.disconnect(),
      () => b.socket.disconnect(),
    )

    await request(a, 'room:join', { room: 'Not A Room!' })
    const logs = (trace: TraceEvent[]) => trace.filter((event) => event.kind === 'log')
    await eventually(() => expect(logs(mine.trace)).toHaveLength(1))
    const [entry] = logs(mine.trace)
    expect(isTraceEvent(entry)).toBe(true)
    expect(entry).toMatchObject({
      kind: 'log',
      level: 'warn',
      instance: 'i7',
      code: 'INVALID_PAYLOAD',
      event: 'room:join',
      namespace: '/chat',
    })

    // A refused handshake in the space is streamed too (the lab's "no token" attack).
    const refused = connect(`${instance.url}/s/${space}/chat`, { forceNew: true, transports: ['websocket'], auth: {} })
    closing.push(() => refused.disconnect())
    await eventually(() => expect(logs(mine.trace).map((e) => 'code' in e && e.code)).toEqual(['INVALID_PAYLOAD', 'INVALID_HANDSHAKE']))

    // Barrier: the other space's own refusal reaches its observer after ours was written.
    await request(b, 'room:join', { room: 'Also Bad!' })
    await eventually(() => expect(logs(theirs.trace)).toHaveLength(1))
    expect(logs(theirs.trace)[0]).toMatchObject({ code: 'INVALID_PAYLOAD' })
    expect(logs(mine.trace)).toHaveLength(2)
  })
})

describe('refused HTTP requests', () => {
  it('are logged with code, method, path and address, and reach the observers of the space their path names', async () => {
    const space = randomSpace()
    const watcher = await observer(instance, space)
    closing.push(() => watcher.socket.disconnect())
    const textPlain = await raw(`${instance.url}/t/${space}/stream`, {
      method: 'POST',
      headers: { Origin: SITE, 'Content-Type': 'text/plain' },
      body: '{"eventsPerSecond":50}',
    })
    expect(textPlain.status).toBe(415)
    const huge = await raw(`${instance.url}/s/${space}/token`, {
      method: 'POST',
      headers: { Origin: SITE, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(10_000) }),
    })
    expect(huge.status).toBe(413)
    await eventually(() =>
      expect(watcher.trace.flatMap((event) => (event.kind === 'log' ? [event.code] : []))).toEqual([
        'UNSUPPORTED_MEDIA_TYPE',
        'PAYLOAD_TOO_LARGE',
      ]),
    )
    const line = entries().find((entry) => entry.code === 'UNSUPPORTED_MEDIA_TYPE' && entry.space === space)
    expect(line).toMatchObject({ level: 'warn', method: 'POST', path: `/t/${space}/stream`, origin: SITE, msg: 'refused an HTTP POST' })
    expect(lines.join('\n')).not.toContain('x'.repeat(100))
  })

  it('a malformed body is answered, not logged; a path without a space code gives a line without space', async () => {
    const before = lines.length
    const malformed = await raw(`${instance.url}/s/${randomSpace()}/token`, {
      method: 'POST',
      headers: { Origin: SITE, 'Content-Type': 'application/json' },
      body: '{"name":',
    })
    expect(malformed.status).toBe(400)
    const other = await raw(`${instance.url}/token`, { method: 'POST', headers: { Origin: SITE, 'Content-Type': 'text/plain' }, body: 'x' })
    expect(other.status).toBe(415)
    await eventually(() => expect(entries().some((entry) => entry.path === '/token')).toBe(true))
    const written = entries().slice(before)
    expect(written.map((entry) => entry.code)).toEqual(['UNSUPPORTED_MEDIA_TYPE'])
    expect(written[0]).not.toHaveProperty('space')
  })
})
