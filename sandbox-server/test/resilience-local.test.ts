/**
 * Lesson 5 without Redis (`REDIS_URL=off`): `/streams` falls back to Socket.IO's in-memory
 * session-aware adapter (recovery within the instance), `/pubsub` to the plain in-memory one.
 */
import { afterEach, expect, it } from 'vitest'
import type { ResilienceClient } from '../../site/src/sandbox/resilience-client.ts'
import { eventually, randomSpace, useCluster } from './harness.ts'
import { labPeer, range } from './resilience-harness.ts'

const { at } = useCluster(1, { redisUrl: null })
const opened: ResilienceClient[] = []
afterEach(() => opened.splice(0).forEach((client) => client.close()))

it('recovers on /streams and not on /pubsub, on one instance without Redis', async () => {
  for (const namespace of ['/streams', '/pubsub'] as const) {
    const space = randomSpace()
    const a = await labPeer(at(0), space, namespace, 'A', {}, opened)
    const b = await labPeer(at(0), space, namespace, 'B', {}, opened)
    b.client.cut()
    await eventually(() => expect(b.disconnects).toHaveLength(1))
    for (const seq of range(1, 3)) await a.client.request('lab:send', { seq })
    b.client.restore()
    await eventually(() => expect(b.hellos).toHaveLength(2))
    expect(b.client.recovered).toBe(namespace === '/streams')
    expect(b.seqs).toEqual(namespace === '/streams' ? range(1, 3) : [])
  }
})
