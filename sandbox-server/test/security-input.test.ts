/**
 * Hostile input against a real instance: credentials echoed by the handshake capture, bodies of
 * any size, rates whose timer interval overflows, event names that are not strings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HandshakeCapture } from '../src/protocol/index.ts'
import { eventually, randomSpace, request, SHARED_REDIS_URL, uniquePrefix, useCluster } from './harness.ts'
import { chunkedPost, SITE, startEmitter, tryUpgrade } from './security-raw.ts'

const { at, client } = useCluster(1, { allowedOrigins: [SITE] })
const base = (): string => at(0).url
const json = { Origin: SITE, 'Content-Type': 'application/json' }
const post = (path: string, body: string): Promise<Response> => fetch(`${base()}${path}`, { method: 'POST', headers: json, body })

describe('GET /t/:space/handshake', () => {
  it('redacts credentials from the captured upgrade and lists what it redacted', async () => {
    const space = randomSpace()
    const secrets = {
      Cookie: 'session=victim-cookie',
      Authorization: 'Bearer victim-bearer',
      'Proxy-Authorization': 'Basic dmljdGlt',
      'X-Api-Key': 'victim-api-key',
      'X-Auth-Token': 'victim-auth-token',
      'X-CSRF-Token': 'victim-csrf',
    }
    const opened = await tryUpgrade(`${base().replace('http', 'ws')}/t/${space}/ws`, { Origin: SITE, ...secrets, 'X-Lesson': 'kept' })
    expect(opened.open).toBe(true)
    if (opened.open) opened.ws.close()
    const answer = (await (await fetch(`${base()}/t/${space}/handshake`, { headers: { Origin: SITE } })).json()) as {
      handshake: HandshakeCapture
      redacted: string[]
    }
    const headers = new Map(answer.handshake.request.headers.map(([name, value]) => [name.toLowerCase(), value]))
    const text = JSON.stringify(answer)
    for (const [name, value] of Object.entries(secrets)) {
      expect(headers.get(name.toLowerCase()), name).toBe('[redacted]')
      expect(text).not.toContain(value)
    }
    expect(answer.redacted.map((name) => name.toLowerCase()).sort()).toEqual(
      Object.keys(secrets)
        .map((name) => name.toLowerCase())
        .sort(),
    )
    // What the lesson teaches stays visible.
    expect(headers.get('sec-websocket-key')).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(headers.get('upgrade')).toBe('websocket')
    expect(headers.get('x-lesson')).toBe('kept')
  })
})

describe('HTTP bodies are limited on every route', () => {
  it('answers a 64 KB body with a JSON 413, before parsing it', async () => {
    const answer = await post(`/t/${randomSpace()}/stream`, JSON.stringify({ eventsPerSecond: 1, pad: 'x'.repeat(64 * 1024) }))
    expect(answer.status).toBe(413)
    expect(await answer.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
  })

  it('stops reading a chunked body (no Content-Length) once over the limit', async () => {
    const answer = await chunkedPost(`${base()}/t/${randomSpace()}/messages`, 256, 4096, json)
    expect(answer.status).toBe(413)
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
    // The instance keeps serving.
    expect((await fetch(`${base()}/healthz`)).status).toBe(200)
  })

  describe('the emitter', () => {
    let emitter: Awaited<ReturnType<typeof startEmitter>>
    beforeAll(async () => {
      emitter = await startEmitter(SHARED_REDIS_URL, uniquePrefix())
    })
    afterAll(async () => {
      await emitter?.close()
    })

    it('answers a 64 KB POST /emit with a JSON 413', async () => {
      const body = JSON.stringify({ space: randomSpace(), text: 'x'.repeat(64 * 1024) })
      await eventually(async () => {
        const answer = await fetch(`${emitter.url}/emit`, { method: 'POST', headers: json, body })
        expect(answer.status).toBe(413)
        expect(await answer.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
      })
    })
  })
})

describe('numbers and names', () => {
  it('refuses a rate whose timer interval is outside 1 ms .. 60 s (1e-7/s overflowed setInterval)', async () => {
    const space = randomSpace()
    for (const eventsPerSecond of [1e-7, 0.001]) {
      const answer = await post(`/t/${space}/stream`, JSON.stringify({ eventsPerSecond }))
      expect(answer.status, String(eventsPerSecond)).toBe(400)
      expect(await answer.json()).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
    }
    for (const eventsPerSecond of [0, 0.02, 50]) {
      expect((await post(`/t/${space}/stream`, JSON.stringify({ eventsPerSecond }))).status, String(eventsPerSecond)).toBe(200)
    }
    await post(`/t/${space}/stream`, JSON.stringify({ eventsPerSecond: 0 }))
  })

  it('answers a numeric event name with UNKNOWN_EVENT, not INTERNAL', async () => {
    const a = await client(at(0), randomSpace(), '/chat', 'A')
    // socket.io-client sends whatever the first argument is as the event name.
    const timed = a.socket.timeout(3_000)
    const emitWithAck = timed.emitWithAck.bind(timed) as (...args: unknown[]) => Promise<unknown>
    expect(await emitWithAck(42, {})).toMatchObject({ error: { code: 'UNKNOWN_EVENT' } })
    expect(await request(a, 'room:join', { room: 'paris' })).toMatchObject({ ok: true })
  })
})
