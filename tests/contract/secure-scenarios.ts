/**
 * The contract's `/secure` scenarios (lesson 4): the fake and real instances must issue tokens,
 * refuse bad ones with the same codes, authorize per event and room, share one budget per user
 * across instances and log a user out everywhere, alike. Written against `SandboxConnector` only.
 */
import { expect } from 'vitest'
import type { SecureHelloEvent, SecureMessageEvent, TokenKind, TokenRequest } from '@realtime-workbook/sandbox-server/protocol'
import { isErrorAck, type ConnectFailure } from '../../site/src/sandbox/connector.ts'
import type { SecureClient } from '../../site/src/sandbox/secure-client.ts'
import type { Kit } from './kit.ts'

/** A `/secure` peer: its client, hello, what it received, and whether it was disconnected. */
interface SecurePeer {
  client: SecureClient
  hello: SecureHelloEvent
  inbox: SecureMessageEvent[]
  disconnected: Promise<string>
}

async function token(kit: Kit, n: number, space: string, request: Omit<TokenRequest, 'space'>): Promise<string> {
  const answer = await kit.world.secure.requestToken({ instance: kit.at(n), space, request })
  if (isErrorAck(answer)) throw new Error(`no token: ${answer.error.code} ${answer.error.message}`)
  expect(answer).toMatchObject({ ok: true, space, kind: request.kind ?? 'valid', user: { name: request.name, role: request.role } })
  return answer.token
}

/** Connects with `token`; resolves to the peer, or to the refusal. Every client is closed by `opened`. */
function connect(kit: Kit, n: number, space: string, jwt: string, opened: SecureClient[]): Promise<SecurePeer | ConnectFailure> {
  const client = kit.world.secure.connectSecure({ instance: kit.at(n), space, token: jwt })
  opened.push(client)
  const inbox: SecureMessageEvent[] = []
  client.on('message', (message) => inbox.push(message))
  const disconnected = new Promise<string>((resolve) => client.on('disconnect', ({ reason }) => resolve(reason)))
  return new Promise((resolve) => {
    client.on('hello', (hello) => resolve({ client, hello, inbox, disconnected }))
    client.on('connect_error', (failure) => resolve(failure))
  })
}

async function peer(kit: Kit, n: number, space: string, jwt: string, opened: SecureClient[]): Promise<SecurePeer> {
  const connected = await connect(kit, n, space, jwt, opened)
  if (!('client' in connected)) throw new Error(`refused: ${connected.code} ${connected.message}`)
  return connected
}

/** Runs `body` with a list of clients that are closed afterwards, whatever happens. */
async function withClients(body: (opened: SecureClient[]) => Promise<void>): Promise<void> {
  const opened: SecureClient[] = []
  try {
    await body(opened)
  } finally {
    for (const client of opened) client.close()
  }
}

export const secureScenarios = [
  {
    name: 'secure: a token from one instance opens /secure on every instance; each bad token is refused with its own code',
    run: (kit: Kit) =>
      withClients(async (opened) => {
        const space = kit.space()
        const jwt = await token(kit, 0, space, { name: 'Ada', role: 'learner' })
        for (const n of [0, 1, 2]) {
          const { hello } = await peer(kit, n, space, jwt, opened)
          expect(hello).toMatchObject({ instance: `i${n + 1}`, namespace: '/secure', space, user: { name: 'Ada', role: 'learner' } })
        }
        const refusal = async (kind: TokenKind): Promise<unknown> => {
          const result = await connect(kit, 1, space, await token(kit, 0, space, { name: 'Eve', role: 'moderator', kind }), opened)
          return 'code' in result ? result.code : 'connected'
        }
        expect({
          malformed: await connect(kit, 1, space, 'not-a-jwt', opened).then((r) => ('code' in r ? r.code : 'connected')),
          expired: await refusal('expired'),
          wrongKey: await refusal('wrong-key'),
          algNone: await refusal('alg-none'),
          otherSpace: await refusal('other-space'),
        }).toEqual({
          malformed: 'TOKEN_MALFORMED',
          expired: 'TOKEN_EXPIRED',
          wrongKey: 'TOKEN_INVALID_SIGNATURE',
          algNone: 'TOKEN_ALG_NONE',
          otherSpace: 'TOKEN_WRONG_AUDIENCE',
        })
        const badName = await kit.world.secure.requestToken({ instance: kit.at(0), space, request: { name: '<img>', role: 'learner' } })
        expect(badName).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
      }),
  },
  {
    name: 'secure: a learner is refused the moderators room and announce (FORBIDDEN); a moderator announces to everyone',
    run: (kit: Kit) =>
      withClients(async (opened) => {
        const space = kit.space()
        const learner = await peer(kit, 0, space, await token(kit, 0, space, { name: 'Lea', role: 'learner' }), opened)
        const moderator = await peer(kit, 2, space, await token(kit, 0, space, { name: 'Max', role: 'moderator' }), opened)
        expect(await learner.client.request('room:join', { room: 'moderators' })).toMatchObject({ error: { code: 'FORBIDDEN' } })
        expect(await learner.client.request('secure:announce', { text: 'hi all' })).toMatchObject({ error: { code: 'FORBIDDEN' } })
        expect(await learner.client.request('room:join', { room: 'paris' })).toEqual({ ok: true, rooms: ['paris'] })
        expect(await moderator.client.request('room:join', { room: 'moderators' })).toEqual({ ok: true, rooms: ['moderators'] })
        expect(await moderator.client.request('secure:announce', { text: 'hi all' })).toEqual({ ok: true, traceId: expect.any(String) })
        await kit.eventually(() => expect(learner.inbox.map((m) => [m.kind, m.from.name, m.text])).toEqual([['announce', 'Max', 'hi all']]))
      }),
  },
  {
    name: "secure: one user's sockets on three instances share ONE budget",
    run: (kit: Kit) =>
      withClients(async (opened) => {
        const space = kit.space()
        const jwt = await token(kit, 0, space, { name: 'Mal', role: 'learner' })
        const peers = await Promise.all([0, 1, 2].map((n) => peer(kit, n, space, jwt, opened)))
        const budget = peers[0]?.hello.userEventsPerSecond ?? 0
        const perSocket = Math.ceil((budget * 3) / 2 / 3)
        const answers = await Promise.all(
          peers.flatMap((p) => Array.from({ length: perSocket }, (_, i) => p.client.request('secure:send', { text: `f${i}` }))),
        )
        const refused = answers.filter(isErrorAck)
        expect(answers.length - refused.length).toBe(budget)
        expect(refused[0]).toMatchObject({ error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } })
      }),
  },
  {
    name: 'secure: "log out everywhere" disconnects every socket of the user, on every instance, and nobody else',
    run: (kit: Kit) =>
      withClients(async (opened) => {
        const space = kit.space()
        const jwt = await token(kit, 0, space, { name: 'Ada', role: 'learner' })
        const mine = await Promise.all([0, 1, 2].map((n) => peer(kit, n, space, jwt, opened)))
        const other = await peer(kit, 1, space, await token(kit, 1, space, { name: 'Bo', role: 'learner' }), opened)
        expect(await mine[0]?.client.request('secure:logout-all', {})).toEqual({ ok: true })
        expect(await Promise.all(mine.map((p) => p.disconnected))).toEqual([
          'io server disconnect',
          'io server disconnect',
          'io server disconnect',
        ])
        // Delivery barrier: the other user still sends and receives afterwards.
        expect(await other.client.request('secure:send', { text: 'still here' })).toMatchObject({ ok: true })
        await kit.eventually(() => expect(other.inbox.map((m) => m.text)).toEqual(['still here']))
      }),
  },
]
