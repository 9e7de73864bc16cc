/**
 * Regression: the sharded adapter (playground namespaces) has its own Redis subscriber. On a
 * shared connection, ioredis 6 left subscriber mode when a playground namespace emptied on an
 * instance (its last SSUBSCRIBE'd channel unsubscribed) and then dropped the plain pub/sub messages
 * of the classic adapters (`/with-redis`, `/secure`, `/class`) on that instance.
 */
import { describe, expect, it } from 'vitest'
import { eventually, randomSpace, request, useCluster } from './harness.ts'

const { at, client } = useCluster(2)

describe('the sharded subscriber', () => {
  it('leaves the classic adapters working after a playground namespace empties', async () => {
    const space = randomSpace()
    await eventually(() => expect([at(0).fanout(), at(1).fanout()]).toEqual(['redis', 'redis']))
    const a = await client(at(0), space, '/with-redis', 'A')
    const b = await client(at(1), space, '/with-redis', 'B')
    const chat = await client(at(0), space, '/chat', 'C')
    chat.socket.disconnect()
    await eventually(() => expect(at(0).io._nsps.has(`/s/${space}/chat`)).toBe(false))
    await request(b, 'send', { call: 'io.emit', text: 'across' })
    await eventually(() => expect(a.received.map((m) => m.text)).toContain('across'))
  })
})
