/**
 * An instance started without Redis (`REDIS_URL=off`): lesson 3's cluster calls must still answer,
 * from this instance alone, instead of waiting for a cluster that does not exist.
 */
import { describe, expect, it } from 'vitest'
import type { ServerSideEmitAck } from '../src/protocol/index.ts'
import { randomSpace, request, useCluster } from './harness.ts'

const { at, client } = useCluster(1, { redisUrl: null })

describe('without Redis', () => {
  it('serverSideEmit() on /with-redis answers at once: no other instance heard it', async () => {
    const a = await client(at(0), randomSpace(), '/with-redis', 'A')
    expect(await request<ServerSideEmitAck>(a, 'cluster:server-side-emit', {})).toEqual({ ok: true, answers: [] })
  })
})
