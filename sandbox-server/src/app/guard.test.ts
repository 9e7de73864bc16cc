import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { answerErrors, limitBodies, originAllowed, siteRequestsOnly } from './guard.ts'

const site = new Set(['http://localhost:4321'])

describe('originAllowed', () => {
  it('allows the site, scripts without an Origin, and nothing a foreign page sends', () => {
    expect(originAllowed(site, 'http://localhost:4321', 'same-site')).toBe(true)
    expect(originAllowed(site, undefined, undefined)).toBe(true)
    expect(originAllowed(site, undefined, 'same-origin')).toBe(true)
    expect(originAllowed(site, 'http://evil.example', 'cross-site')).toBe(false)
    expect(originAllowed(site, 'null', undefined)).toBe(false)
    expect(originAllowed(site, undefined, 'cross-site')).toBe(false)
  })
})

describe('siteRequestsOnly and limitBodies', () => {
  const app = new Hono()
  app.use('*', limitBodies(64))
  app.use('*', siteRequestsOnly(site))
  app.onError(answerErrors(() => undefined))
  app.post('/x', async (c) => c.json(await c.req.json()))
  const post = (headers: Record<string, string>, body = '{"a":1}') => app.request('/x', { method: 'POST', headers, body })

  it('answers each refusal with its code and status', async () => {
    const cases: [Record<string, string>, string, number, string?][] = [
      [{ Origin: 'http://evil.example', 'Content-Type': 'application/json' }, 'FORBIDDEN_ORIGIN', 403],
      [{ Origin: 'http://localhost:4321', 'Content-Type': 'text/plain' }, 'UNSUPPORTED_MEDIA_TYPE', 415],
      [
        { Origin: 'http://localhost:4321', 'Content-Type': 'application/json' },
        'PAYLOAD_TOO_LARGE',
        413,
        JSON.stringify({ a: 'x'.repeat(100) }),
      ],
    ]
    for (const [headers, code, status, body] of cases) {
      const answer = await post(headers, body)
      expect(answer.status, code).toBe(status)
      expect(await answer.json()).toMatchObject({ error: { code } })
    }
    expect((await post({ Origin: 'http://localhost:4321', 'Content-Type': 'application/json; charset=utf-8' })).status).toBe(200)
  })
})
