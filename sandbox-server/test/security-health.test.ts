/**
 * Honest health while Redis is down: `/healthz` says `degraded`, the emitter answers 503 with a
 * code instead of `ok: true`. Uses a private redis-server on a free port: the shared one is
 * never stopped.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SandboxServer } from '../src/index.ts'
import type { HealthBody } from '../src/protocol/index.ts'
import { eventually, PrivateRedis, randomSpace, startCluster, stopAll, uniquePrefix } from './harness.ts'
import { SITE, startEmitter } from './security-raw.ts'

let redis: PrivateRedis
let cluster: SandboxServer[]
let emitter: Awaited<ReturnType<typeof startEmitter>>

beforeAll(async () => {
  redis = await PrivateRedis.start()
  cluster = await startCluster(1, { redisUrl: redis.url })
  emitter = await startEmitter(redis.url, uniquePrefix())
})
afterAll(async () => {
  await emitter?.close()
  await stopAll(cluster ?? [])
  await redis?.stop()
})

const health = async (): Promise<HealthBody> => (await (await fetch(`${(cluster[0] as SandboxServer).url}/healthz`)).json()) as HealthBody
const emit = (): Promise<Response> =>
  fetch(`${emitter.url}/emit`, {
    method: 'POST',
    headers: { Origin: SITE, 'Content-Type': 'application/json' },
    body: JSON.stringify({ space: randomSpace(), text: 'hi' }),
  })

it('reports degraded while Redis is down, and the emitter answers 503 REDIS_UNAVAILABLE', async () => {
  await eventually(async () => expect(await health()).toMatchObject({ status: 'ok', redis: 'ready' }), 5_000)
  await eventually(async () => expect((await emit()).status).toBe(200), 5_000)

  await redis.stop()
  await eventually(async () => expect(await health()).toMatchObject({ status: 'degraded', redis: 'down' }), 5_000)
  await eventually(async () => {
    const answer = await emit()
    expect(answer.status).toBe(503)
    expect(await answer.json()).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE' } })
  }, 5_000)

  await redis.restart()
  await eventually(async () => expect(await health()).toMatchObject({ status: 'ok', redis: 'ready' }), 10_000)
  await eventually(async () => expect((await emit()).status).toBe(200), 10_000)
})
