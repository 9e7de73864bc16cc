/**
 * Pub/sub is at-most-once: a broadcast published before an instance's (S)SUBSCRIBE lands never
 * reaches that instance. Promise checked: a socket is admitted, and a `room:join` answered, once
 * its instance's subscription is acknowledged, so a broadcast sent from another instance right
 * after the connect or the join arrives (the sharded adapter of `/chat`, the classic one of
 * `/with-redis`). The receiving instance reaches the real Redis through a loopback relay that holds
 * its commands 150 ms (a distant or loaded Redis): without the wait, its subscription would land
 * after the sender's publish. Also the tracker itself: it waits for real Redis replies, and no
 * longer than its bound when Redis is unreachable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConnection, createServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net'
import { Redis } from 'ioredis'
import { startSandboxServer, type SandboxServer } from '../src/index.ts'
import { SubscriptionTracker } from '../src/redis/subscriptions.ts'
import {
  eventually,
  freePort,
  playgroundClient,
  randomSpace,
  request,
  SHARED_REDIS_URL,
  stopAll,
  uniquePrefix,
  type TestClient,
} from './harness.ts'

const DELAY_MS = 150
const FAR_SPACE_CAP = 4
const opened: Redis[] = []
const clients: TestClient[] = []
let relay: { server: TcpServer; url: string; sockets: Set<TcpSocket> } | null = null
let near: SandboxServer | null = null
let far: SandboxServer | null = null

/** A loopback relay to the shared Redis that holds what its clients send for `delayMs` (order kept). */
async function slowRelay(delayMs: number): Promise<{ server: TcpServer; url: string; sockets: Set<TcpSocket> }> {
  const target = new URL(SHARED_REDIS_URL)
  const sockets = new Set<TcpSocket>()
  const server = createServer((inbound) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) })
    for (const socket of [inbound, upstream]) {
      sockets.add(socket)
      socket.on('error', () => undefined)
      socket.on('close', () => {
        sockets.delete(socket)
        inbound.destroy()
        upstream.destroy()
      })
    }
    inbound.on('data', (chunk: Buffer) => setTimeout(() => upstream.write(chunk), delayMs))
    upstream.pipe(inbound)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the relay has no port')
  return { server, url: `redis://127.0.0.1:${address.port}`, sockets }
}

beforeAll(async () => {
  relay = await slowRelay(DELAY_MS)
  const keyPrefix = uniquePrefix()
  const common = { port: 0, keyPrefix, log: () => {} }
  ;[near, far] = await Promise.all([
    startSandboxServer({ ...common, instanceId: 'near', redisUrl: SHARED_REDIS_URL }),
    startSandboxServer({ ...common, instanceId: 'far', redisUrl: relay.url, maxSocketsPerSpace: FAR_SPACE_CAP }),
  ])
  await eventually(() => expect([near?.fanout(), far?.fanout()]).toEqual(['redis', 'redis']), 10_000)
})

afterAll(async () => {
  await stopAll(
    [near, far].filter((instance): instance is SandboxServer => instance !== null),
    clients.map((c) => c.socket),
  )
  for (const socket of relay?.sockets ?? []) socket.destroy()
  relay?.server.close()
  opened.forEach((connection) => connection.disconnect())
})

async function client(
  instance: SandboxServer | null,
  space: string,
  namespace: '/chat' | '/with-redis',
  label: string,
): Promise<TestClient> {
  if (!instance) throw new Error('the instances did not start')
  const created = await playgroundClient(instance, space, namespace, label)
  clients.push(created)
  return created
}

const texts = (receiver: TestClient): string[] => receiver.received.map((message) => message.text)

describe('admission waits for the Redis subscription', () => {
  it('delivers a broadcast sent right after the receiver connected, in 12 fresh spaces, Redis 150 ms away (sharded and classic adapters)', async () => {
    for (const namespace of ['/chat', '/with-redis'] as const) {
      for (let round = 0; round < 6; round++) {
        const space = randomSpace()
        const sender = await client(near, space, namespace, 'S')
        const receiver = await client(far, space, namespace, 'R')
        await request(sender, 'send', { call: 'io.emit', text: `first ${round}` })
        await eventually(() => expect(texts(receiver)).toContain(`first ${round}`), 3_000)
      }
    }
  })

  it('answers room:join once the room channel is subscribed: a room broadcast sent right after arrives', async () => {
    const space = randomSpace()
    const sender = await client(near, space, '/chat', 'S')
    const receiver = await client(far, space, '/chat', 'R')
    for (let round = 0; round < 6; round++) {
      const room = `room-${round}`
      await request(receiver, 'room:join', { room })
      await request(sender, 'send', { call: 'socket.to(room).emit', rooms: [room], text: `in ${room}` })
      await eventually(() => expect(texts(receiver)).toContain(`in ${room}`), 3_000)
    }
  })
})

describe('the caps while a subscription is pending', () => {
  it('admits a burst into a new space up to its cap, not beyond (the wait comes before admission counts)', async () => {
    const space = randomSpace()
    const burst = await Promise.allSettled(
      Array.from({ length: FAR_SPACE_CAP + 2 }, (_, index) => client(far, space, '/chat', `B${index}`)),
    )
    const refused = burst.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as { data?: { code?: string } }] : []))
    expect(burst.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(FAR_SPACE_CAP)
    expect(refused.map((reason) => reason.data?.code)).toEqual(['SPACE_FULL', 'SPACE_FULL'])
  })
})

describe('SubscriptionTracker', () => {
  it('has nothing pending before a subscription, and settles once Redis answered one', async () => {
    const sub = new Redis(SHARED_REDIS_URL)
    opened.push(sub)
    const tracker = new SubscriptionTracker()
    tracker.watch(sub)
    expect(tracker.settled(1_000)).toBeNull()
    const channel = `${uniquePrefix()}#tracked#`
    void sub.ssubscribe(channel)
    expect(tracker.pending).toBe(1)
    await expect(tracker.settled(5_000)).resolves.toBe(true)
    expect(tracker.pending).toBe(0)
    const probe = new Redis(SHARED_REDIS_URL)
    opened.push(probe)
    expect(await probe.call('PUBSUB', 'SHARDCHANNELS', channel)).toEqual([channel])
  })

  it('gives up after its bound when Redis is unreachable (the command stays queued)', async () => {
    const port = await freePort()
    const sub = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 200, maxRetriesPerRequest: null })
    sub.on('error', () => undefined)
    opened.push(sub)
    const tracker = new SubscriptionTracker()
    tracker.watch(sub)
    void sub.subscribe('nowhere').catch(() => undefined)
    const started = Date.now()
    await expect(tracker.settled(300)).resolves.toBe(false)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(tracker.pending).toBe(1)
  })
})
