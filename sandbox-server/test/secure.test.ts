/**
 * Lesson 4's `/secure` namespace on a real 3-instance cluster joined through the shared Redis:
 * tokens at the handshake (every refusal with its own code), authorization per event and room
 * (logged), expiry while connected, and "log out everywhere" across instances.
 */
import { describe, expect, it } from 'vitest'
import { randomSpace, request, eventually } from './harness.ts'
import { postToken, refusalCode, secureClient, tokenFor, useSecureCluster, type SecureClient } from './secure-harness.ts'
import type { TokenKind } from '../src/protocol/index.ts'

const SITE = 'http://localhost:4321'
const { at, logs, track } = useSecureCluster(3, { allowedOrigins: [SITE], addressRequestsPerSecond: 1000 })

async function client(index: number, space: string, token: string): Promise<SecureClient> {
  const opened = await secureClient(at(index), space, token)
  track(opened.socket)
  return opened
}

describe('the token route', () => {
  it('issues a short-lived token for a name and a role, audience = the space', async () => {
    const space = randomSpace()
    const { status, json } = await postToken(at(0), space, { name: 'Ada', role: 'moderator', ttlSeconds: 60 }, { Origin: SITE })
    expect(status).toBe(200)
    expect(json).toMatchObject({ ok: true, kind: 'valid', space, user: { name: 'Ada', role: 'moderator' } })
    const answer = json as { token: string; expiresAt: number }
    expect(answer.expiresAt - Date.now()).toBeGreaterThan(55_000)
    expect(answer.expiresAt - Date.now()).toBeLessThanOrEqual(60_000)
    const [, payload = ''] = answer.token.split('.')
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toMatchObject({ aud: space, name: 'Ada', role: 'moderator' })
  })

  it('refuses foreign origins, non-JSON bodies, bad names and lifetimes beyond the configured one', async () => {
    const space = randomSpace()
    expect(await postToken(at(0), space, { name: 'Ada', role: 'learner' }, { Origin: 'http://evil.example' })).toMatchObject({
      status: 403,
      json: { error: { code: 'FORBIDDEN_ORIGIN' } },
    })
    expect(await postToken(at(0), space, { name: 'Ada', role: 'learner' }, { 'Content-Type': 'text/plain' })).toMatchObject({ status: 415 })
    expect(await postToken(at(0), space, { name: '<b>x</b>', role: 'learner' })).toMatchObject({
      status: 400,
      json: { error: { code: 'INVALID_PAYLOAD' } },
    })
    expect(await postToken(at(0), space, { name: 'Ada', role: 'admin' })).toMatchObject({ status: 400 })
    expect(await postToken(at(0), space, { name: 'Ada', role: 'learner', ttlSeconds: 100_000 })).toMatchObject({ status: 400 })
    expect(await postToken(at(0), space, { name: 'Ada', role: 'learner', padding: 'x'.repeat(8_192) })).toMatchObject({
      status: 413,
      json: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    })
  })

  it('answers POST /token with the space in the body', async () => {
    const space = randomSpace()
    const response = await fetch(`${at(1).url}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ space, name: 'Bo', role: 'learner' }),
    })
    expect(await response.json()).toMatchObject({ ok: true, space })
  })
})

describe('the handshake', () => {
  it('accepts a valid token on ANY instance (same key) and greets with the user and the limits', async () => {
    const space = randomSpace()
    const { token, userId } = await tokenFor(at(0), space, { name: 'Ada', role: 'learner' })
    for (const index of [0, 1, 2]) {
      const { hello, socket } = await client(index, space, token)
      expect(hello).toMatchObject({
        instance: `i${index + 1}`,
        namespace: '/secure',
        space,
        user: { id: userId, name: 'Ada', role: 'learner' },
        maxPacketBytes: 16_384,
        userEventsPerSecond: 20,
      })
      socket.disconnect()
    }
  })

  it('refuses each kind of bad token with its own code', async () => {
    const space = randomSpace()
    const bad = async (kind: TokenKind): Promise<unknown> =>
      refusalCode(at(1), space, { token: (await tokenFor(at(0), space, { name: 'Eve', role: 'moderator', kind })).token })
    const codes = {
      missing: await refusalCode(at(1), space, {}),
      malformed: await refusalCode(at(1), space, { token: 'not.a-jwt' }),
      notAString: await refusalCode(at(1), space, { token: 42 }),
      expired: await bad('expired'),
      wrongKey: await bad('wrong-key'),
      algNone: await bad('alg-none'),
      otherSpace: await bad('other-space'),
    }
    expect(codes).toEqual({
      missing: 'TOKEN_MISSING',
      malformed: 'TOKEN_MALFORMED',
      notAString: 'TOKEN_MISSING',
      expired: 'TOKEN_EXPIRED',
      wrongKey: 'TOKEN_INVALID_SIGNATURE',
      algNone: 'TOKEN_ALG_NONE',
      otherSpace: 'TOKEN_WRONG_AUDIENCE',
    })
  })

  it('refuses a token of this space on another space (audience), and an HS512 token', async () => {
    const space = randomSpace()
    const { token } = await tokenFor(at(0), space, { name: 'Ada', role: 'learner' })
    expect(await refusalCode(at(0), randomSpace(), { token })).toBe('TOKEN_WRONG_AUDIENCE')
    const [, payload, signature] = token.split('.')
    const hs512 = `${Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url')}.${payload}.${signature}`
    expect(await refusalCode(at(0), space, { token: hs512 })).toBe('TOKEN_UNSUPPORTED_ALG')
  })
})

describe('authorization per event and per room', () => {
  it('refuses the moderators room and the announce event to a learner, logs it without the token, allows a moderator', async () => {
    const space = randomSpace()
    const learnerToken = await tokenFor(at(0), space, { name: 'Lea', role: 'learner' })
    const moderatorToken = await tokenFor(at(0), space, { name: 'Max', role: 'moderator' })
    const learner = await client(0, space, learnerToken.token)
    const moderator = await client(1, space, moderatorToken.token)

    expect(await request(learner.socket, 'room:join', { room: 'moderators' })).toMatchObject({ error: { code: 'FORBIDDEN' } })
    expect(await request(learner.socket, 'secure:announce', { text: 'all hands' })).toMatchObject({ error: { code: 'FORBIDDEN' } })
    expect(await request(learner.socket, 'room:join', { room: 'paris' })).toEqual({ ok: true, rooms: ['paris'] })
    expect(await request(moderator.socket, 'room:join', { room: 'moderators' })).toEqual({ ok: true, rooms: ['moderators'] })
    expect(await request(moderator.socket, 'secure:announce', { text: 'all hands' })).toMatchObject({ ok: true })
    await eventually(() => expect(learner.received.map((m) => [m.kind, m.from.name, m.text])).toEqual([['announce', 'Max', 'all hands']]))

    const refusals = logs.filter((line) => line.includes(`space=${space}`) && line.includes('code=FORBIDDEN'))
    expect(refusals).toEqual([
      `secure refused space=${space} event=room:join code=FORBIDDEN user=${learnerToken.userId}`,
      `secure refused space=${space} event=secure:announce code=FORBIDDEN user=${learnerToken.userId}`,
    ])
    expect(logs.some((line) => line.includes(learnerToken.token) || line.includes(moderatorToken.token))).toBe(false)
  })

  it('answers unknown events and bad payloads with their codes', async () => {
    const space = randomSpace()
    const learner = await client(2, space, (await tokenFor(at(2), space, { name: 'Lea', role: 'learner' })).token)
    expect(await request(learner.socket, 'admin:shutdown', {})).toMatchObject({ error: { code: 'UNKNOWN_EVENT' } })
    expect(await request(learner.socket, 'secure:send', { text: '' })).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
  })
})

describe('while connected', () => {
  it('disconnects a socket when its token expires, saying why', async () => {
    const space = randomSpace()
    const { hello, socket } = await client(0, space, (await tokenFor(at(0), space, { name: 'Tim', role: 'learner', ttlSeconds: 2 })).token)
    const expired = new Promise((resolve) => socket.once('secure:expired', resolve))
    const reason = new Promise((resolve) => socket.once('disconnect', resolve))
    expect(await expired).toMatchObject({ code: 'TOKEN_EXPIRED' })
    expect(await reason).toBe('io server disconnect')
    expect(Date.now()).toBeGreaterThanOrEqual(hello.expiresAt)
  })

  it('"log out everywhere" disconnects every socket of the user on every instance, and nobody else', async () => {
    const space = randomSpace()
    const { token } = await tokenFor(at(0), space, { name: 'Ada', role: 'learner' })
    const mine = await Promise.all([0, 1, 2].map((index) => client(index, space, token)))
    const other = await client(2, space, (await tokenFor(at(0), space, { name: 'Bo', role: 'learner' })).token)
    const gone = mine.map(({ socket }) => new Promise((resolve) => socket.once('disconnect', resolve)))
    expect(await request(mine[0]!.socket, 'secure:logout-all', {})).toEqual({ ok: true })
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect', 'io server disconnect'])
    // Delivery barrier: the other user still sends and receives after the logout.
    expect(await request(other.socket, 'secure:send', { text: 'still here' })).toMatchObject({ ok: true })
    await eventually(() => expect(other.received.map((m) => m.text)).toContain('still here'))
    expect(other.socket.connected).toBe(true)
  })
})
