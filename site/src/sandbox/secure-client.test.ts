import { describe, expect, it, vi } from 'vitest'
import { createSecureConnector } from './secure-client.ts'

const instance = { id: 'i1', port: 4001, base: 'http://classroom.lan:4001' }
const json = (status: number, body: unknown) => Promise.resolve(new Response(JSON.stringify(body), { status }))

describe('secure connector', () => {
  it('posts token requests as JSON and answers refusals, malformed answers and network failures as error acks', async () => {
    const token = {
      ok: true,
      kind: 'valid',
      space: 'k7q2mx',
      token: 'a.b.c',
      expiresAt: 1,
      user: { id: 'u1', name: 'Ada', role: 'learner' },
    }
    const answers = [json(200, token), json(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }), json(200, { ok: 'yes' })]
    const fetch = vi.fn((_url: unknown, _init?: RequestInit) => answers.shift() ?? Promise.reject(new TypeError('Failed to fetch')))
    const secure = createSecureConnector({ fetch })
    const request = { name: 'Ada', role: 'learner' as const }
    const first = await secure.requestToken({ instance, space: 'k7q2mx', request })
    const [url, init] = fetch.mock.calls[0] ?? []
    expect(url).toBe('http://classroom.lan:4001/s/k7q2mx/token')
    expect(init).toMatchObject({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) })
    expect('error' in first ? first.error : first).toMatchObject({ ok: true, token: 'a.b.c' })
    expect(await secure.requestToken({ instance, space: 'k7q2mx', request })).toEqual({
      error: { code: 'RATE_LIMITED', message: 'slow down' },
    })
    expect(await secure.requestToken({ instance, space: 'k7q2mx', request })).toMatchObject({ error: { code: 'BAD_ANSWER' } })
    expect(await secure.requestToken({ instance, space: 'k7q2mx', request })).toEqual({
      error: { code: 'CONNECT_FAILED', message: 'http://classroom.lan:4001/s/k7q2mx/token: TypeError: Failed to fetch' },
    })
  })

  it('opens /secure with the token in auth, never reconnecting', () => {
    const opened: [string, unknown][] = []
    const socket = { on: () => socket, connected: false, disconnect: vi.fn() }
    const io = (uri: string, opts: unknown) => (opened.push([uri, opts]), socket)
    const client = createSecureConnector({ io: io as never }).connectSecure({ instance, space: 'k7q2mx', token: 'a.b.c' })
    expect(opened).toEqual([
      ['http://classroom.lan:4001/s/k7q2mx/secure', { forceNew: true, auth: { token: 'a.b.c' }, reconnection: false }],
    ])
    client.close()
    expect(socket.disconnect).toHaveBeenCalled()
  })

  it('rejects stats that are not what the protocol says', async () => {
    const secure = createSecureConnector({ fetch: () => json(200, { instance: 'i1' }) })
    await expect(secure.spaceStats({ instance, space: 'k7q2mx' })).rejects.toMatchObject({ code: 'BAD_ANSWER' })
  })
})
