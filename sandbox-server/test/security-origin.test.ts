/**
 * Lesson 4's attacks from a page on another origin (`http://evil.example`), against a real
 * instance: taking over an Engine.IO session whose sid it learnt, and cross-origin POSTs to the
 * lesson-1 routes and the emitter. Requests without any Origin (scripts, these tests) stay allowed,
 * as at the handshake, unless the browser marks them cross-site (`Sec-Fetch-Site`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, randomSpace, SHARED_REDIS_URL, uniquePrefix, useCluster } from './harness.ts'
import { EVIL, engineSession, payload, pollingUrl, raw, SITE, startEmitter, tryUpgrade } from './security-raw.ts'

const { at } = useCluster(1, { allowedOrigins: [SITE] })
const base = (): string => at(0).url
/** Engine.IO's open sessions by sid (public at run time, `protected` in its typings). */
const sessions = (): Record<string, { transport: { writable: boolean } } | undefined> =>
  (at(0).io.engine as unknown as { clients: Record<string, { transport: { writable: boolean } } | undefined> }).clients
const sessionAlive = (sid: string): boolean => sid in sessions()

describe('Engine.IO session takeover by sid (Origin checked on every request, not only the handshake)', () => {
  it('a foreign page cannot upgrade a victim polling session to its own WebSocket', async () => {
    const sid = await engineSession(base())
    const attempt = await tryUpgrade(`${base().replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`, { Origin: EVIL })
    if (attempt.open) attempt.ws.terminate()
    expect(attempt).toMatchObject({ open: false, status: 400, body: 'FORBIDDEN_ORIGIN' })
    expect(sessionAlive(sid)).toBe(true)
  })

  it('a foreign page cannot POST packets that run as the victim', async () => {
    const sid = await engineSession(base())
    const attack = await raw(pollingUrl(base(), sid), {
      method: 'POST',
      headers: { Origin: EVIL, 'Content-Type': 'text/plain;charset=UTF-8' },
      body: payload(`40/s/${randomSpace()}/chat,{"label":"X"}`),
    })
    expect(attack).toEqual({ status: 403, body: JSON.stringify({ code: 4, message: 'FORBIDDEN_ORIGIN' }) })
    expect(sessionAlive(sid)).toBe(true)
  })

  it('a foreign page cannot kill the victim session with a concurrent GET', async () => {
    const sid = await engineSession(base())
    const victim = new AbortController()
    // The victim's long poll is pending; a second GET on the same sid would be an "overlap".
    const pending = fetch(pollingUrl(base(), sid), { headers: { Origin: SITE }, signal: victim.signal }).catch(() => null)
    await eventually(() => expect(sessions()[sid]?.transport.writable).toBe(true))
    const attack = await raw(pollingUrl(base(), sid), { headers: { Origin: EVIL } })
    expect(attack.status).toBe(403)
    // An <img src> GET carries no Origin, but the browser marks it cross-site.
    const blind = await raw(pollingUrl(base(), sid), { headers: { 'Sec-Fetch-Site': 'cross-site' } })
    expect(blind.status).toBe(403)
    expect(sessionAlive(sid)).toBe(true)
    victim.abort()
    await pending
  })

  it('the site and clients without an Origin still connect', async () => {
    expect(await engineSession(base(), { Origin: SITE })).toMatch(/\S/)
    expect(await engineSession(base(), { 'Sec-Fetch-Site': 'same-site', Origin: SITE })).toMatch(/\S/)
    expect(await engineSession(base())).toMatch(/\S/)
  })
})

describe('cross-origin POSTs to the lesson-1 routes and the emitter', () => {
  const forbidden = { error: { code: 'FORBIDDEN_ORIGIN' } }
  const routes: [string, unknown][] = [
    ['stream', { eventsPerSecond: 50, payloadBytes: 1024 }],
    ['messages', { via: 'sse', text: 'hi' }],
    ['cut', { transport: 'sse' }],
  ]

  it('a foreign page cannot change, cut or publish into a space stream (text/plain needs no preflight)', async () => {
    const space = randomSpace()
    for (const [route, body] of routes) {
      const answer = await fetch(`${base()}/t/${space}/${route}`, {
        method: 'POST',
        headers: { Origin: EVIL, 'Content-Type': 'text/plain' },
        body: JSON.stringify(body),
      })
      expect(answer.status, route).toBe(403)
      expect(await answer.json()).toMatchObject(forbidden)
    }
  })

  it('a foreign page cannot open streams (which would fill the instance stream slots)', async () => {
    for (const path of ['sse', 'stats', 'poll?waitMs=0', 'slot/1']) {
      const answer = await fetch(`${base()}/t/${randomSpace()}/${path}`, { headers: { Origin: EVIL } })
      if (answer.status !== 403) await answer.body?.cancel()
      expect(answer.status, path).toBe(403)
      expect(await answer.json()).toMatchObject(forbidden)
    }
  })

  it('state-changing routes require Content-Type: application/json (415 otherwise)', async () => {
    const space = randomSpace()
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const headers: Record<string, string> = { Origin: SITE }
      if (contentType) headers['Content-Type'] = contentType
      const answer = await fetch(`${base()}/t/${space}/stream`, { method: 'POST', headers, body: '{"eventsPerSecond":1}' })
      expect(answer.status, contentType).toBe(415)
      expect(await answer.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } })
    }
    const json = await fetch(`${base()}/t/${space}/stream`, {
      method: 'POST',
      headers: { Origin: SITE, 'Content-Type': 'application/json; charset=utf-8' },
      body: '{"eventsPerSecond":0}',
    })
    expect(json.status).toBe(200)
  })

  describe('the emitter', () => {
    let emitter: Awaited<ReturnType<typeof startEmitter>>
    beforeAll(async () => {
      emitter = await startEmitter(SHARED_REDIS_URL, uniquePrefix())
    })
    afterAll(async () => {
      await emitter?.close()
    })
    const emit = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${emitter.url}/emit`, { method: 'POST', headers, body: JSON.stringify({ space: randomSpace(), text: 'hi' }) })

    it('refuses POST /emit from a foreign page, and bodies that are not JSON', async () => {
      const foreign = await emit({ Origin: EVIL, 'Content-Type': 'text/plain' })
      expect(foreign.status).toBe(403)
      expect(await foreign.json()).toMatchObject(forbidden)
      const plain = await emit({ Origin: SITE, 'Content-Type': 'text/plain' })
      expect(plain.status).toBe(415)
      expect(await plain.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } })
      await eventually(async () => {
        const ok = await emit({ Origin: SITE, 'Content-Type': 'application/json' })
        expect(ok.status).toBe(200)
      })
    })
  })
})
