/**
 * Redis stopped under a running cluster, then restarted: no instance crashes, local delivery
 * continues, cross-instance delivery stops (pub/sub is at most once) and resumes.
 * Uses a private redis-server on a free port (it is restarted on the same URL, so it cannot take
 * port 0): the shared one is never stopped.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SandboxServer } from '../src/index.ts'
import type { HealthBody } from '../src/protocol/index.ts'
import { eventually, PrivateRedis, playgroundClient, randomSpace, request, startCluster, stopAll, type TestClient } from './harness.ts'

let redis: PrivateRedis
let cluster: SandboxServer[]
const opened: TestClient[] = []

beforeAll(async () => {
  redis = await PrivateRedis.start()
  cluster = await startCluster(2, { redisUrl: redis.url })
  await eventually(() => expect(cluster.map((i) => i.fanout())).toEqual(['redis', 'redis']), 5_000)
})
afterAll(async () => {
  await stopAll(
    cluster ?? [],
    opened.map((c) => c.socket),
  )
  await redis?.stop()
})

const health = async (instance: SandboxServer): Promise<HealthBody> => (await (await fetch(`${instance.url}/healthz`)).json()) as HealthBody

it('survives a Redis outage and resumes cross-instance delivery', async () => {
  const [one, two] = cluster as [SandboxServer, SandboxServer]
  const space = randomSpace()
  const a = await playgroundClient(one, space, '/chat', 'A')
  const local = await playgroundClient(one, space, '/chat', 'L')
  const remote = await playgroundClient(two, space, '/chat', 'R')
  // The classic adapter (lesson 3) does not await its publishes: they must not crash anything.
  const classicA = await playgroundClient(one, space, '/with-redis', 'CA')
  const classicLocal = await playgroundClient(one, space, '/with-redis', 'CL')
  const classicRemote = await playgroundClient(two, space, '/with-redis', 'CR')
  opened.push(a, local, remote, classicA, classicLocal, classicRemote)
  for (const c of [a, local, remote]) await request(c, 'room:join', { room: 'paris' })

  await request(a, 'send', { call: 'socket.to(room).emit', rooms: ['paris'], text: 'before' })
  await eventually(() => expect(remote.received.map((m) => m.text)).toEqual(['before']))

  await redis.stop()
  await eventually(async () => {
    expect((await health(one)).redis).toBe('down')
  })
  expect(one.fanout()).toBe('redis-down')

  // Local delivery continues; the remote member misses it (at most once: not replayed later).
  expect(await request(a, 'send', { call: 'socket.to(room).emit', rooms: ['paris'], text: 'during' })).toMatchObject({ ok: true })
  await eventually(() => expect(local.received.map((m) => m.text)).toEqual(['before', 'during']))
  expect(await request(classicA, 'send', { call: 'io.emit', text: 'classic during' })).toMatchObject({ ok: true })
  await eventually(() => expect(classicLocal.received.map((m) => m.text)).toEqual(['classic during']))
  expect(await request(classicA, 'cluster:fetch-sockets', {})).toMatchObject({ error: { code: 'CLUSTER_TIMEOUT' } })

  await redis.restart()
  await eventually(() => expect(cluster.map((i) => i.fanout())).toEqual(['redis', 'redis']), 10_000)
  // Subscriptions are restored by the subscriber connection itself.
  // Until they are, a publish is lost: send again until one arrives. The one that arrives is also
  // the delivery barrier for the message sent during the outage.
  await eventually(async () => {
    await request(a, 'send', { call: 'socket.to(room).emit', rooms: ['paris'], text: `after` })
    await eventually(() => expect(remote.received.map((m) => m.text)).toContain('after'), 300)
  }, 10_000)
  expect(remote.received.map((m) => m.text)).not.toContain('during')
  await eventually(async () => {
    await request(classicA, 'send', { call: 'io.emit', text: 'classic after' })
    await eventually(() => expect(classicRemote.received.map((m) => m.text)).toContain('classic after'), 300)
  }, 10_000)
  expect(classicRemote.received.map((m) => m.text)).not.toContain('classic during')
  expect((await health(two)).status).toBe('ok')
})
