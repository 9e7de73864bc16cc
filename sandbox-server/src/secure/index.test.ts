import { describe, expect, it } from 'vitest'
import { SharedLimiter } from '../rate-limit/shared.ts'
import { issueToken, logRefusal, tokenKey, verifyToken } from './index.ts'

const key = tokenKey('k'.repeat(32))
const claims = { space: 'k7q2mx', name: 'Ada', role: 'learner' as const, ttlSeconds: 60 }

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'accepted',
    (error: { code?: unknown }) => error.code,
  )
}

describe('tokens', () => {
  it('verifies a valid token into its user and expiry', async () => {
    const issued = await issueToken(key, claims)
    expect(await verifyToken(key, issued.token, 'k7q2mx')).toEqual({ user: issued.user, expiresAt: issued.expiresAt })
  })

  it('names each way a token is wrong', async () => {
    const bad = async (kind: 'expired' | 'wrong-key' | 'alg-none' | 'other-space'): Promise<unknown> =>
      codeOf(verifyToken(key, (await issueToken(key, claims, kind)).token, 'k7q2mx'))
    expect({
      missing: await codeOf(verifyToken(key, undefined, 'k7q2mx')),
      malformed: await codeOf(verifyToken(key, 'a.b.c', 'k7q2mx')),
      expired: await bad('expired'),
      wrongKey: await bad('wrong-key'),
      algNone: await bad('alg-none'),
      otherSpace: await bad('other-space'),
      anotherKey: await codeOf(verifyToken(tokenKey(null), (await issueToken(key, claims)).token, 'k7q2mx')),
    }).toEqual({
      missing: 'TOKEN_MISSING',
      malformed: 'TOKEN_MALFORMED',
      expired: 'TOKEN_EXPIRED',
      wrongKey: 'TOKEN_INVALID_SIGNATURE',
      algNone: 'TOKEN_ALG_NONE',
      otherSpace: 'TOKEN_WRONG_AUDIENCE',
      anotherKey: 'TOKEN_INVALID_SIGNATURE',
    })
  })
})

describe('refusal log line', () => {
  it('names space, namespace, event and code, never the user id or a token', () => {
    const entries: { fields: object; msg: string }[] = []
    logRefusal(
      { refusal: (fields, msg) => void entries.push({ fields, msg }) },
      { space: 'k7q2mx', event: 'room:join', code: 'FORBIDDEN', userId: 'u1' },
    )
    expect(entries).toEqual([
      { fields: { space: 'k7q2mx', namespace: '/secure', event: 'room:join', code: 'FORBIDDEN' }, msg: 'secure refused an event' },
    ])
  })
})

describe('SharedLimiter without Redis', () => {
  it('refuses past the budget with RATE_LIMITED and a wait', async () => {
    const limiter = new SharedLimiter({ redis: null, keyPrefix: 'unit', perSecond: 2, what: 'events' })
    await limiter.consume('u')
    await limiter.consume('u')
    await expect(limiter.consume('u')).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) })
    await limiter.consume('someone-else')
  })
})
