/**
 * The shared rate limit of `/secure`: one budget per user in Redis, whatever instance each of the
 * user's sockets is on, against the per-socket token bucket of the playground namespaces; the
 * per-address budget of the token route; and the in-memory insurance limiter while Redis is down.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { inOneRateWindow, PrivateRedis, playgroundClient, randomSpace, request, stopAll } from './harness.ts'
import { postToken, secureClient, TEST_SECRET, tokenFor, useSecureCluster } from './secure-harness.ts'
import { startSandboxServer, type SandboxServer } from '../src/index.ts'
import type { Socket } from 'socket.io-client'

const BUDGET = 10
const PER_SOCKET = 15
const { at, logs, track } = useSecureCluster(3, {
  userEventsPerSecond: BUDGET,
  eventsPerSecond: BUDGET,
  eventBurst: BUDGET,
  addressRequestsPerSecond: 3,
})

/** Sends `count` events at once from each socket; counts the accepted ones and the refusals. */
async function flood(sockets: Socket[], event: string, payload: (i: number) => unknown): Promise<{ accepted: number; refused: unknown[] }> {
  const answers = await Promise.all(
    sockets.flatMap((socket) => Array.from({ length: PER_SOCKET }, (_, i) => request<Record<string, unknown>>(socket, event, payload(i)))),
  )
  const refused = answers.filter((answer) => 'error' in answer).map((answer) => answer.error)
  return { accepted: answers.length - refused.length, refused }
}

describe('one user on three instances', () => {
  it('shares ONE budget in /secure, where the per-socket bucket lets three budgets through', async () => {
    const space = randomSpace()
    const { token, userId } = await tokenFor(at(0), space, { name: 'Ada', role: 'learner' })
    const secure = await Promise.all([0, 1, 2].map(async (index) => track((await secureClient(at(index), space, token)).socket)))
    const userKey = `${at(0).config.keyPrefix}:rl:user:user:${userId}`
    const { result: shared, consumed } = await inOneRateWindow(userKey, () => flood(secure, 'secure:send', (i) => ({ text: `flood ${i}` })))
    expect(consumed).toBe(3 * PER_SOCKET)

    const chat = await Promise.all(
      [0, 1, 2].map(async (index) => track((await playgroundClient(at(index), space, '/chat', `A${index}`)).socket)),
    )
    const perSocket = await flood(chat, 'send', (i) => ({ call: 'socket.emit', text: `flood ${i}` }))

    // All 45 events land in one window of the user's budget: exactly one budget passes.
    expect(shared.accepted).toBe(BUDGET)
    // Each socket's bucket refills as the flood runs (seen: 32 on a loaded machine): at least three budgets.
    expect(perSocket.accepted).toBeGreaterThanOrEqual(3 * BUDGET)
    expect(shared.refused[0]).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) })
    expect(String((shared.refused[0] as { message: string }).message)).toMatch(/try again in \d+ ms/)

    // Each instance logged the flood it refused, sampled: a few lines per code and address, not 35.
    const floodLines = logs.filter(
      (line) => line.includes(space) && line.includes('"code":"RATE_LIMITED"') && line.includes('"namespace":"/secure"'),
    )
    expect(floodLines.length).toBeGreaterThan(0)
    expect(floodLines.length).toBeLessThanOrEqual(3 * 5)
    expect(floodLines.every((line) => line.includes('"address":') && !line.includes(token))).toBe(true)
  })
})

describe('the token route, unauthenticated', () => {
  it('holds one budget per client address across instances', async () => {
    const space = randomSpace()
    // Six requests on three instances at once, in one window of the address's budget (3).
    const ask = () =>
      Promise.all([0, 1, 2, 0, 1, 2].map(async (index) => (await postToken(at(index), space, { name: 'Eve', role: 'learner' })).status))
    const { result: statuses, consumed } = await inOneRateWindow(`${at(0).config.keyPrefix}:rl:addr:addr:127.0.0.1`, ask)
    expect(consumed).toBe(6)
    expect(statuses.filter((status) => status === 200)).toHaveLength(3)
    expect(statuses.filter((status) => status === 429)).toHaveLength(3)
  })
})

describe('while Redis is down', () => {
  let redis: PrivateRedis
  let instance: SandboxServer | null = null
  let redisDown = false
  afterAll(async () => {
    // Redis back first: an instance closes its Redis connections gracefully.
    if (redisDown) await redis.restart()
    if (instance) await stopAll([instance])
    await redis?.stop()
  })

  it('the in-memory insurance limiter still refuses a flood (per instance), without waiting for Redis', async () => {
    redis = await PrivateRedis.start()
    instance = await startSandboxServer({
      redisUrl: redis.url,
      tokenSecret: TEST_SECRET,
      userEventsPerSecond: BUDGET,
      port: 0,
      keyPrefix: `rtwb-test-insurance-${process.pid}`,
      log: () => {},
    })
    const space = randomSpace()
    const { token } = await tokenFor(instance, space, { name: 'Ada', role: 'learner' })
    const { socket } = await secureClient(instance, space, token)
    await redis.stop()
    redisDown = true
    const started = Date.now()
    const answers = await Promise.all(
      Array.from({ length: 2 * BUDGET }, (_, i) => request<Record<string, unknown>>(socket, 'secure:send', { text: `x${i}` })),
    )
    socket.disconnect()
    expect(answers.filter((answer) => 'ok' in answer).length).toBe(BUDGET)
    expect(answers.filter((answer) => 'error' in answer).map((answer) => (answer.error as { code: string }).code)).toEqual(
      Array(BUDGET).fill('RATE_LIMITED'),
    )
    expect(Date.now() - started).toBeLessThan(1_000)
  })
})
