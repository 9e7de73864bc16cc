/**
 * Lesson 3's cluster fan-out on 3 real instances and the real Redis.
 */
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { createEmitterApp } from '../src/emitter/index.ts'
import type { SandboxServer } from '../src/index.ts'
import type { FetchSocketsAck, ServerSideEmitAck, TraceEvent } from '../src/protocol/index.ts'
import {
  deliveryBarrier,
  eventually,
  observer,
  randomSpace,
  request,
  SHARED_REDIS_URL,
  useCluster,
  type TestClient,
} from './harness.ts'

const { at, all, client } = useCluster(3)

/** A on i1, L (a local peer) on i1, B on i2, C on i3, all in `namespace`. */
async function spread(space: string, namespace: '/with-redis' | '/without-redis') {
  const a = await client(at(0), space, namespace, 'A')
  const l = await client(at(0), space, namespace, 'L')
  const b = await client(at(1), space, namespace, 'B')
  const c = await client(at(2), space, namespace, 'C')
  return { a, l, b, c }
}

const texts = (c: TestClient): string[] => c.received.map((m) => m.text)


describe('adapter off vs on, side by side on the same cluster', () => {
  it('without Redis only the sender instance delivers; with Redis every instance does', async () => {
    const space = randomSpace()
    const off = await spread(space, '/without-redis')
    const on = await spread(space, '/with-redis')
    await request(off.a, 'send', { call: 'io.emit', text: 'off' })
    await request(on.a, 'send', { call: 'io.emit', text: 'on' })
    await eventually(() => {
      for (const c of [on.a, on.l, on.b, on.c]) expect(texts(c)).toEqual(['on'])
      for (const c of [off.a, off.l]) expect(texts(c)).toEqual(['off'])
    })
    // Without an adapter nothing leaves i1: the barrier goes i1 -> Redis -> i2, i3, the way a leak would.
    await deliveryBarrier(on.a, [on.b, on.c])
    expect(texts(off.b)).toEqual([])
    expect(texts(off.c)).toEqual([])
  })
})

describe('targeted and cluster-wide requests', () => {
  it('io.to(socketId) reaches one socket on another instance', async () => {
    const space = randomSpace()
    const { a, l, b, c } = await spread(space, '/with-redis')
    expect(await request(a, 'cluster:direct', { to: c.hello.socketId, text: 'just you' })).toMatchObject({ ok: true })
    await eventually(() => expect(texts(c)).toEqual(['just you']))
    await deliveryBarrier(a, [a, l, b])
    for (const other of [a, l, b]) expect(texts(other)).toEqual([])
    expect(await request(a, 'cluster:direct', { to: 'nope', text: 'x' })).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
  })

  it('fetchSockets() lists the whole cluster with Redis, only the local instance without', async () => {
    const space = randomSpace()
    const on = await spread(space, '/with-redis')
    await request(on.c, 'room:join', { room: 'lyon' })
    const everyone = await request<FetchSocketsAck>(on.a, 'cluster:fetch-sockets', {})
    expect(everyone).toEqual({
      ok: true,
      sockets: [
        { socketId: on.a.hello.socketId, label: 'A', instance: 'i1', rooms: [] },
        { socketId: on.b.hello.socketId, label: 'B', instance: 'i2', rooms: [] },
        { socketId: on.c.hello.socketId, label: 'C', instance: 'i3', rooms: ['lyon'] },
        { socketId: on.l.hello.socketId, label: 'L', instance: 'i1', rooms: [] },
      ],
    })
    const off = await spread(space, '/without-redis')
    const local = await request<FetchSocketsAck>(off.b, 'cluster:fetch-sockets', {})
    expect('ok' in local && local.sockets.map((s) => s.label)).toEqual(['B'])
  })

  it('serverSideEmit() is answered by every OTHER instance that hosts the namespace, never the caller', async () => {
    const space = randomSpace()
    const { a } = await spread(space, '/with-redis')
    expect(await request<ServerSideEmitAck>(a, 'cluster:server-side-emit', {})).toEqual({
      ok: true,
      answers: [
        { instance: 'i2', sockets: 1 },
        { instance: 'i3', sockets: 1 },
      ],
    })
  })
})

describe('Redis traffic, read by a real subscriber and decoded', () => {
  it('each instance reports the message it read; the publisher names itself', async () => {
    const space = randomSpace()
    const watchers = await Promise.all(all().map((instance) => observer(instance, space)))
    const { a, b, c } = await spread(space, '/with-redis')
    await request(a, 'room:join', { room: 'paris' })
    await request(b, 'room:join', { room: 'paris' })
    const ack = await request<{ ok: true; traceId: string }>(a, 'send', { call: 'socket.to(room).emit', rooms: ['paris'], text: 'via redis' })
    await eventually(() => expect(texts(b)).toEqual(['via redis']))
    const redisEvents = (trace: TraceEvent[]) => trace.filter((e): e is Extract<TraceEvent, { kind: 'redis' }> => e.kind === 'redis' && e.traceId === ack.traceId)
    await eventually(() => {
      for (const watcher of watchers) expect(redisEvents(watcher.trace)).toHaveLength(1)
    })
    const [fromI1, fromI2, fromI3] = watchers.map((w) => redisEvents(w.trace)[0])
    expect(fromI1).toMatchObject({
      instance: 'i1',
      publishedBy: 'i1',
      type: 'broadcast',
      channel: expect.stringMatching(new RegExp(`#/s/${space}/with-redis#paris#$`)),
      rooms: ['paris'],
      except: [a.hello.socketId],
      packetType: 'EVENT',
      event: 'message',
    })
    expect(fromI1?.bytes).toBeGreaterThan(50)
    expect(fromI1?.subscribed).toBe(true)
    expect(fromI2).toMatchObject({ instance: 'i2', publishedBy: null, key: fromI1?.key, subscribed: true })
    expect(fromI3).toMatchObject({ instance: 'i3', key: fromI1?.key })
    expect(texts(c)).toEqual([])

    await request(a, 'cluster:fetch-sockets', {})
    await eventually(() => expect(watchers[1]?.trace.some((e) => e.kind === 'redis' && e.packetType === 'REMOTE_FETCH' && e.publishedBy === null)).toBe(true))
    expect(watchers[0]?.trace.some((e) => e.kind === 'redis' && e.packetType === 'REMOTE_FETCH' && e.publishedBy === 'i1')).toBe(true)
    // A response carries no sender id: the tap names the answering instance from the answer itself.
    const responders = () => watchers[0]?.trace.flatMap((e) => (e.kind === 'redis' && e.type === 'response' ? [e.publishedBy] : [])) ?? []
    await eventually(() => expect(new Set(responders())).toEqual(new Set(['i2', 'i3'])))
    for (const w of watchers) w.socket.disconnect()
  })
})

describe('the Redis emitter', () => {
  it('reaches clients on every instance from a process that is not a Socket.IO server', async () => {
    const space = randomSpace()
    const { a, l, b, c } = await spread(space, '/with-redis')
    await request(c, 'room:join', { room: 'paris' })
    const redis = new Redis(SHARED_REDIS_URL)
    const app = createEmitterApp({ redis, keyPrefix: at(0).config.keyPrefix, allowedOrigins: ['http://localhost:4321'] })
    const post = (body: unknown) => app.request('/emit', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    expect(await (await post({ space, text: 'from a worker' })).json()).toMatchObject({ ok: true, line: 'emitter.of("/with-redis").emit("message", msg)' })
    expect((await post({ space, text: 'paris only', room: 'paris' })).status).toBe(200)
    const bad = await post({ space: 'NOPE', text: '' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/^space:/) } })
    await eventually(() => {
      for (const x of [a, l, b]) expect(texts(x)).toEqual(['from a worker'])
      expect(texts(c)).toEqual(['from a worker', 'paris only'])
    })
    expect(c.received[0]).toMatchObject({ call: 'emitter.emit', from: 'emitter' })
    redis.disconnect()
  })
})

describe('simulated Redis outage, scoped to one space', () => {
  it('local delivery goes on, cross-instance stops and loses messages, then resumes', async () => {
    const space = randomSpace()
    const bystanderSpace = randomSpace()
    const watchers = await Promise.all(all().map((instance) => observer(instance, space)))
    const { a, l, b } = await spread(space, '/with-redis')
    const bystander = await spread(bystanderSpace, '/with-redis')
    const simulate = (down: boolean) => Promise.all(watchers.map((w) => w.socket.timeout(2_000).emitWithAck('redis:simulate-outage', { down })))
    expect(await simulate(true)).toEqual([{ ok: true, down: true }, { ok: true, down: true }, { ok: true, down: true }])

    await request(a, 'send', { call: 'io.emit', text: 'during' })
    await request(bystander.a, 'send', { call: 'io.emit', text: 'other space unaffected' })
    await eventually(() => {
      expect(texts(l)).toEqual(['during'])
      expect(texts(bystander.c)).toEqual(['other space unaffected'])
    })
    const started = Date.now()
    expect(await request(a, 'cluster:fetch-sockets', {})).toMatchObject({ error: { code: 'CLUSTER_TIMEOUT', message: expect.stringMatching(/simulated/) } })
    expect(Date.now() - started).toBeLessThan(1_000) // fails at once, like a publish to an unreachable Redis
    expect(await request(a, 'cluster:server-side-emit', {})).toMatchObject({ error: { code: 'CLUSTER_TIMEOUT' } })

    await simulate(false)
    // 'after' is the delivery barrier: b gets it, and 'during' never came before it.
    await request(a, 'send', { call: 'io.emit', text: 'after' })
    await eventually(() => expect(texts(b)).toEqual(['after']))
    expect(watchers[0]?.trace.filter((e) => e.kind === 'outage').map((e) => e.kind === 'outage' && e.down)).toEqual([true, false])
    expect(await watchers[0]?.socket.timeout(2_000).emitWithAck('redis:simulate-outage', { down: 'yes' })).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })

    // A learner who leaves during a simulated outage does not leave the space cut off.
    await simulate(true)
    for (const w of watchers) w.socket.disconnect()
    // The outage ends when the instances have seen the last observer of the space leave.
    const observersOf = (instance: SandboxServer) => [...instance.io.of('/observe').sockets.values()].filter((s) => s.handshake.auth.space === space)
    await eventually(() => expect(all().flatMap(observersOf)).toEqual([]))
    await request(a, 'send', { call: 'io.emit', text: 'after the observers left' })
    await eventually(() => expect(texts(b)).toEqual(['after', 'after the observers left']))
  })
})
