/**
 * The playground across 3 real instances joined through the real Redis.
 */
import { describe, expect, it } from 'vitest'
import type { RoomAck, SendAck, TraceEvent } from '../src/protocol/index.ts'
import { deliveryBarrier, eventually, observer, randomSpace, request, useCluster } from './harness.ts'

const { at, all, client } = useCluster(3)

describe('rooms across instances', () => {
  it('socket.to(room).emit reaches the other members on other instances, never the sender', async () => {
    const space = randomSpace()
    const a = await client(at(0), space, '/chat', 'A')
    const b = await client(at(1), space, '/chat', 'B')
    const c = await client(at(2), space, '/chat', 'C')
    expect([a.hello.instance, b.hello.instance, c.hello.instance]).toEqual(['i1', 'i2', 'i3'])
    expect(await request<RoomAck>(a, 'room:join', { room: 'paris' })).toEqual({ ok: true, rooms: ['paris'] })
    await request(b, 'room:join', { room: 'paris' })
    const ack = await request<SendAck>(a, 'send', { call: 'socket.to(room).emit', rooms: ['paris'], text: 'hi paris' })
    expect(ack).toMatchObject({ ok: true })
    await eventually(() => expect(b.received.map((m) => m.text)).toEqual(['hi paris']))
    await deliveryBarrier(a, [a, c])
    expect(a.received).toEqual([])
    expect(c.received).toEqual([])
    expect(b.received[0]).toMatchObject({ call: 'socket.to(room).emit', from: 'A', rooms: ['paris'] })
  })

  it('io.to(room).emit includes the sender; a union of rooms delivers once', async () => {
    const space = randomSpace()
    const a = await client(at(0), space, '/chat', 'A')
    const b = await client(at(1), space, '/chat', 'B')
    const c = await client(at(2), space, '/chat', 'C')
    await request(a, 'room:join', { room: 'paris' })
    await request(b, 'room:join', { room: 'paris' })
    await request(b, 'room:join', { room: 'lyon' })
    await request(c, 'room:join', { room: 'lyon' })
    await request(a, 'send', { call: 'io.to(room).emit', rooms: ['paris'], text: 'one' })
    await request(a, 'send', { call: 'io.to(rooms).emit', rooms: ['paris', 'lyon'], text: 'two' })
    await eventually(() => {
      expect(a.received.map((m) => m.text)).toEqual(['one', 'two'])
      expect(b.received.map((m) => m.text)).toEqual(['one', 'two'])
      expect(c.received.map((m) => m.text)).toEqual(['two'])
    })
    await deliveryBarrier(a, [b])
    expect(b.received).toHaveLength(2)
  })

  it('broadcast and io.emit: everyone in the namespace, with or without the sender', async () => {
    const space = randomSpace()
    const a = await client(at(0), space, '/chat', 'A')
    const b = await client(at(1), space, '/chat', 'B')
    const c = await client(at(2), space, '/chat', 'C')
    await request(a, 'send', { call: 'socket.broadcast.emit', text: 'bcast' })
    // A's broadcast crosses Redis; B's io.emit reaches B locally: let the first land before the second.
    await eventually(() => expect([b, c].map((x) => x.received.length)).toEqual([1, 1]))
    await request(b, 'send', { call: 'io.emit', text: 'all' })
    await request(c, 'send', { call: 'socket.emit', text: 'server only' })
    await eventually(() => {
      expect(a.received.map((m) => m.text)).toEqual(['all'])
      expect(b.received.map((m) => m.text)).toEqual(['bcast', 'all'])
      expect(c.received.map((m) => m.text)).toEqual(['bcast', 'all'])
    })
    await deliveryBarrier(c, [c])
    expect(c.received.map((m) => m.text)).not.toContain('server only')
  })
})

describe('isolation', () => {
  it('namespaces: io.emit in /chat never reaches /admin, even in the same room name', async () => {
    const space = randomSpace()
    const a = await client(at(0), space, '/chat', 'A')
    const admin = await client(at(1), space, '/admin', 'Z')
    await request(a, 'room:join', { room: 'paris' })
    await request(admin, 'room:join', { room: 'paris' })
    await request(a, 'send', { call: 'io.emit', text: 'chat only' })
    await request(a, 'send', { call: 'io.to(room).emit', rooms: ['paris'], text: 'chat paris' })
    await eventually(() => expect(a.received).toHaveLength(2))
    // The barrier takes the path a leak would: from a's instance to admin's, in admin's namespace.
    await deliveryBarrier(await client(at(0), space, '/admin', 'P'), [admin])
    expect(admin.received).toEqual([])
  })

  it('spaces: two learners in /chat, room paris, never see each other', async () => {
    const mine = await client(at(0), randomSpace(), '/chat', 'A')
    const theirs = await client(at(1), randomSpace(), '/chat', 'A')
    await request(mine, 'room:join', { room: 'paris' })
    await request(theirs, 'room:join', { room: 'paris' })
    await request(mine, 'send', { call: 'io.emit', text: 'mine' })
    await request(theirs, 'send', { call: 'io.to(room).emit', rooms: ['paris'], text: 'theirs' })
    await eventually(() => {
      expect(mine.received.map((m) => m.text)).toEqual(['mine'])
      expect(theirs.received.map((m) => m.text)).toEqual(['theirs'])
    })
    // Each barrier takes the path a leak would: from the other learner's instance, in this space.
    await deliveryBarrier(await client(at(1), mine.hello.space, '/chat', 'P'), [mine])
    await deliveryBarrier(await client(at(0), theirs.hello.space, '/chat', 'P'), [theirs])
    expect(mine.received).toHaveLength(1)
    expect(theirs.received).toHaveLength(1)
  })

  it('a shared space code lets two browsers see the same traffic', async () => {
    const space = randomSpace()
    const a = await client(at(0), space, '/chat', 'A')
    const b = await client(at(2), space, '/chat', 'B')
    await request(a, 'send', { call: 'io.emit', text: 'together' })
    await eventually(() => expect(b.received.map((m) => m.text)).toEqual(['together']))
  })
})

describe('server-side trace', () => {
  it('reports the call with its exact line and, per instance, who got the packet', async () => {
    const space = randomSpace()
    const watchers = await Promise.all(all().map((instance) => observer(instance, space)))
    const a = await client(at(0), space, '/chat', 'A')
    const b = await client(at(1), space, '/chat', 'B')
    const c = await client(at(2), space, '/chat', 'C')
    await request(a, 'room:join', { room: 'paris' })
    await request(b, 'room:join', { room: 'paris' })
    const ack = await request<{ ok: true; traceId: string }>(a, 'send', {
      call: 'socket.to(room).emit',
      rooms: ['paris'],
      text: 'traced',
    })
    const [w1, w2, w3] = watchers.map((w) => w.trace)
    const ofCall = (trace: TraceEvent[] | undefined): TraceEvent[] =>
      (trace ?? []).filter((e) => 'traceId' in e && e.traceId === ack.traceId)
    await eventually(() => {
      expect(ofCall(w1)).toEqual([
        expect.objectContaining({ kind: 'call', instance: 'i1', label: 'A', serverLine: 'socket.to("paris").emit("message", msg)' }),
      ])
      expect(ofCall(w2)).toEqual([
        expect.objectContaining({ kind: 'delivery', instance: 'i2', recipients: [{ socketId: b.hello.socketId, label: 'B' }] }),
      ])
    })
    // c's instance traces the barrier's delivery after any delivery of the traced call.
    const barrier = await deliveryBarrier(a, [c])
    await eventually(() => expect(w3?.some((e) => 'traceId' in e && e.traceId === barrier.traceId)).toBe(true))
    expect(ofCall(w3)).toEqual([])
    expect(w1?.some((e) => e.kind === 'join' && e.label === 'A' && e.room === 'paris')).toBe(true)
    expect(w3?.some((e) => e.kind === 'connect' && e.socketId === c.hello.socketId)).toBe(true)
    for (const w of watchers) w.socket.disconnect()
  })
})
