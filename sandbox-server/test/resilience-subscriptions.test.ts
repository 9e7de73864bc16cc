/**
 * The Streams adapter's Redis subscriptions are bounded by the spaces open now, not by every space
 * ever opened: @socket.io/redis-streams-adapter 0.3.1 never unsubscribes a closed namespace's
 * channels (nor removes its listener); the lab gives them back (`resilience/subscriptions.ts`).
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxServer } from '../src/index.ts'
import { eventually, randomSpace, SHARED_REDIS_URL, startCluster, stopAll } from './harness.ts'
import { labPeer, type LabPeer } from './resilience-harness.ts'

let instances: SandboxServer[] = []
let redis: Redis

beforeAll(async () => {
  instances = await startCluster(2)
  redis = new Redis(SHARED_REDIS_URL)
})

afterAll(async () => {
  redis.disconnect()
  await stopAll(instances)
})

/** The lab's Streams channels of `/s/...` namespaces subscribed in Redis for this run's prefix. */
async function spaceChannels(): Promise<string[]> {
  const prefix = instances[0]?.config.keyPrefix ?? ''
  const channels = (await redis.pubsub('CHANNELS', `${prefix}-resilience#/s/*`)) as string[]
  return channels.filter((channel) => channel.endsWith('/streams#') || /\/streams#[^#]+#$/.test(channel))
}

describe('the Streams adapter on spaces that come and go', () => {
  it("gives back a closed space namespace's Redis subscriptions: 20 spaces opened and emptied leave none", async () => {
    const [i1, i2] = instances
    if (!i1 || !i2) throw new Error('two instances expected')
    const open: LabPeer[] = []
    for (let n = 0; n < 20; n += 1) {
      const space = randomSpace()
      const a = await labPeer(i1, space, '/streams', 'A')
      const b = await labPeer(i2, space, '/streams', 'B')
      open.push(a, b)
    }
    // While open: each space's public channel and each instance's private one.
    await eventually(async () => expect((await spaceChannels()).length).toBeGreaterThanOrEqual(20 * 3), 5_000)
    for (const peer of open) peer.client.close()
    await eventually(async () => expect(await spaceChannels()).toEqual([]), 5_000)
    // A space that comes back still works across instances.
    const space = randomSpace()
    const a = await labPeer(i1, space, '/streams', 'A')
    const b = await labPeer(i2, space, '/streams', 'B')
    await a.client.request('lab:send', { seq: 1 })
    await eventually(() => expect(b.seqs).toEqual([1]), 5_000)
    a.client.close()
    b.client.close()
  })
})
