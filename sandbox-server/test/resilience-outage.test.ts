/**
 * Lesson 5 under a Redis outage (a private redis-server, stopped then restarted on the same URL):
 * the resilience server keeps greeting sockets on both namespaces, `/pubsub` keeps delivering
 * locally, and `/streams` works again once Redis is back (delivery and recovery).
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import type { ResilienceClient } from '../../site/src/sandbox/resilience-client.ts'
import type { SandboxServer } from '../src/index.ts'
import { eventually, PrivateRedis, randomSpace, startCluster, stopAll } from './harness.ts'
import { labPeer, range } from './resilience-harness.ts'

let redis: PrivateRedis
let cluster: SandboxServer[] = []
const opened: ResilienceClient[] = []

beforeAll(async () => {
  redis = await PrivateRedis.start()
  cluster = await startCluster(1, { redisUrl: redis.url })
  await eventually(() => expect(cluster[0]?.fanout()).toBe('redis'), 5_000)
})
afterEach(() => opened.splice(0).forEach((client) => client.close()))
afterAll(async () => {
  await stopAll(cluster)
  await redis?.stop()
})

it('greets and delivers locally during an outage, and recovers on /streams once Redis is back', { timeout: 30_000 }, async () => {
  const [one] = cluster as [SandboxServer]
  const space = randomSpace()
  await redis.stop()
  await eventually(() => expect(one.fanout()).toBe('redis-down'), 5_000)
  const cpuBefore = process.cpuUsage()
  // Hello needs no Redis on either namespace (it is emitted to the socket through this instance only).
  const s1 = await labPeer(one, space, '/streams', 'S1', {}, opened)
  const p1 = await labPeer(one, space, '/pubsub', 'P1', {}, opened)
  const p2 = await labPeer(one, space, '/pubsub', 'P2', {}, opened)
  expect(s1.hellos).toHaveLength(1)
  expect(await p1.client.request('lab:send', { seq: 1 })).toEqual({ ok: true })
  await eventually(() => expect(p2.seqs).toEqual([1]))
  // /streams during the outage: the broadcast's XADD and a cut socket's session SET both fail
  // once their retries are spent. Nothing may be left unhandled (that would end the process).
  const s3 = await labPeer(one, space, '/streams', 'S3', {}, opened)
  expect(await s1.client.request('lab:send', { seq: 5 })).toEqual({ ok: true })
  s3.client.cut()
  await eventually(() => expect(s3.disconnects).toHaveLength(1))
  // The only fixed wait of the suite: long enough for the client's retries to run out (2 retries of at most 2 s).
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  const cpu = process.cpuUsage(cpuBefore)
  console.info('cpu during the outage (ms)', Math.round((cpu.user + cpu.system) / 1000))

  await redis.restart()
  await eventually(() => expect(one.fanout()).toBe('redis'), 10_000)
  const s2 = await labPeer(one, space, '/streams', 'S2', {}, opened)
  await eventually(async () => {
    await s2.client.request('lab:send', { seq: 2 })
    expect(s1.seqs).toContain(2)
  }, 10_000)
  s1.client.cut()
  await eventually(() => expect(s1.disconnects).toHaveLength(1))
  for (const seq of range(10, 12)) await s2.client.request('lab:send', { seq })
  s1.client.restore()
  await eventually(() => expect(s1.hellos).toHaveLength(2))
  expect(s1.client.recovered).toBe(true)
  expect(s1.seqs.slice(-3)).toEqual(range(10, 12))
})
