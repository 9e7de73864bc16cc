import { describe, expect, it } from 'vitest'
import type { SandboxClient, SandboxInstance } from './connector.ts'
import { createFakeConnector } from './fake-connector.ts'
import { PLAYGROUND_NAMESPACES, SEND_CALLS } from '@realtime-workbook/sandbox-server/protocol'
import type { LearnerNamespace, MessageEvent, TraceEvent } from '@realtime-workbook/sandbox-server/protocol'

const tick = () => new Promise((r) => setTimeout(r, 0))
const settle = async () => {
  for (let n = 0; n < 5; n++) await tick()
}

async function cluster(fanout: 'redis' | 'local-only' = 'redis') {
  const fake = createFakeConnector({ fanout })
  const dir = await fake.directory()
  const inst = (n: number) => dir.instances[n - 1] as SandboxInstance
  const traces: TraceEvent[] = []
  for (const instance of dir.instances) fake.observe({ instance, space: 'aaaaaa' }).on('trace', (e) => traces.push(e))
  await settle()
  const inbox = new Map<string, MessageEvent[]>()
  const client = (label: string, n: number, namespace: LearnerNamespace = '/chat', space = 'aaaaaa') => {
    const c = fake.connectClient({ instance: inst(n), namespace, label, space })
    inbox.set(label, [])
    c.on('message', (m) => inbox.get(label)?.push(m))
    return c
  }
  return { fake, inst, traces, inbox, client }
}

const join = (c: SandboxClient, room: string) => c.request('room:join', { room })

describe('fake connector', () => {
  it('routes socket.to(room) to the room except the sender, across instances', async () => {
    const { client, inbox, traces } = await cluster()
    const a = client('A', 1)
    const b = client('B', 2)
    client('C', 3)
    await settle()
    expect(await join(a, 'paris')).toEqual({ ok: true, rooms: ['paris'] })
    await join(b, 'paris')
    const ack = await a.request('send', { call: 'socket.to(room).emit', rooms: ['paris'], text: 'hi' })
    expect(ack).toEqual({ ok: true, traceId: expect.any(String) })
    await settle()
    expect(inbox.get('A')).toEqual([])
    expect(inbox.get('B')?.map((m) => m.text)).toEqual(['hi'])
    expect(inbox.get('C')).toEqual([])
    const call = traces.find((t) => t.kind === 'call')
    expect(call).toMatchObject({ instance: 'i1', serverLine: 'socket.to("paris").emit("message", msg)' })
    const deliveries = traces.filter((t) => t.kind === 'delivery')
    expect(deliveries.map((d) => d.kind === 'delivery' && [d.instance, d.recipients.map((r) => r.label)])).toEqual([
      ['i2', ['B']],
    ])
  })

  it('implements every call', async () => {
    const { client, inbox } = await cluster()
    const a = client('A', 1)
    const b = client('B', 2)
    const c = client('C', 3)
    await settle()
    await join(a, 'paris')
    await join(b, 'paris')
    await join(c, 'lyon')
    const got = async (call: string, rooms: string[]) => {
      for (const box of inbox.values()) box.length = 0
      await a.request('send', { call: call as never, rooms, text: 'x' })
      await settle()
      return [...inbox].filter(([, box]) => box.length).map(([l]) => l)
    }
    expect(await got('socket.emit', [])).toEqual([])
    expect(await got('socket.broadcast.emit', [])).toEqual(['B', 'C'])
    expect(await got('io.to(room).emit', ['paris'])).toEqual(['A', 'B'])
    expect(await got('io.to(rooms).emit', ['paris', 'lyon'])).toEqual(['A', 'B', 'C'])
    expect(await got('io.emit', [])).toEqual(['A', 'B', 'C'])
  })

  it('keeps namespaces and spaces apart', async () => {
    const { client, inbox } = await cluster()
    const a = client('A', 1)
    client('B', 1, '/admin')
    client('C', 1, '/chat', 'bbbbbb')
    await settle()
    await a.request('send', { call: 'io.emit', rooms: [], text: 'x' })
    await settle()
    expect(inbox.get('B')).toEqual([])
    expect(inbox.get('C')).toEqual([])
  })

  it('without Redis, only reaches sockets on the sender instance', async () => {
    const { client, inbox } = await cluster('local-only')
    const a = client('A', 1)
    client('B', 1)
    client('C', 2)
    await settle()
    await a.request('send', { call: 'socket.broadcast.emit', rooms: [], text: 'x' })
    await settle()
    expect(inbox.get('B')).toHaveLength(1)
    expect(inbox.get('C')).toEqual([])
  })

  it('answers bad payloads with error acks and traces them', async () => {
    const { client, traces } = await cluster()
    const a = client('A', 1)
    await settle()
    expect(await join(a, 'Not A Room')).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
    expect(await a.request('send', { call: 'socket.to(room).emit', rooms: [], text: 'x' })).toMatchObject({
      error: { code: 'INVALID_PAYLOAD' },
    })
    await settle()
    expect(traces.filter((t) => t.kind === 'error')).toHaveLength(2)
  })

  it('fails connections with a code', async () => {
    const { fake, client } = await cluster()
    fake.failConnectWith = 'FORBIDDEN_ORIGIN'
    const codes: string[] = []
    client('A', 1).on('connect_error', (f) => codes.push(f.code))
    await settle()
    fake.failConnectWith = null
    fake.down.add('i2')
    client('B', 2).on('connect_error', (f) => codes.push(f.code))
    await settle()
    expect(codes).toEqual(['FORBIDDEN_ORIGIN', 'CONNECT_FAILED'])
    await expect(fake.health((await fake.directory()).instances[1] as SandboxInstance)).rejects.toThrow()
  })

  it('cluster namespaces: /with-redis crosses instances and reports Redis traffic, /without-redis stays local', async () => {
    const { client, inbox, traces } = await cluster()
    const a = client('A', 1, '/with-redis')
    client('B', 2, '/with-redis')
    const x = client('X', 1, '/without-redis')
    client('Y', 2, '/without-redis')
    await settle()
    await a.request('send', { call: 'socket.broadcast.emit', rooms: [], text: 'on' })
    await x.request('send', { call: 'io.emit', rooms: [], text: 'off' })
    await settle()
    expect(inbox.get('B')?.map((m) => m.text)).toEqual(['on'])
    expect(inbox.get('X')?.map((m) => m.text)).toEqual(['off'])
    expect(inbox.get('Y')).toEqual([])
    const redis = traces.filter((t) => t.kind === 'redis')
    expect(redis.map((t) => t.kind === 'redis' && `${t.instance}:${t.publishedBy}:${t.except.length}`)).toEqual(['i1:i1:1', 'i2:null:1', 'i3:null:1'])
    expect(new Set(redis.map((t) => t.kind === 'redis' && t.key)).size).toBe(1)
    expect(await a.request('cluster:fetch-sockets', {})).toMatchObject({ ok: true, sockets: [{ label: 'A' }, { label: 'B' }] })
    expect(await x.request('cluster:server-side-emit', {})).toEqual({ ok: true, answers: [{ instance: 'i1', sockets: 1 }] })
  })

  it('simulates a Redis outage per space and answers the emitter and polling requests', async () => {
    const { fake, client, inbox, traces } = await cluster()
    const dir = await fake.directory()
    const observers = dir.instances.map((instance) => fake.observe({ instance, space: 'aaaaaa' }))
    await settle()
    const a = client('A', 1, '/with-redis')
    client('B', 2, '/with-redis')
    await settle()
    expect(await Promise.all(observers.map((o) => o.simulateOutage(true)))).toEqual([{ ok: true, down: true }, { ok: true, down: true }, { ok: true, down: true }])
    await a.request('send', { call: 'io.emit', rooms: [], text: 'lost' })
    expect(await a.request('cluster:fetch-sockets', {})).toMatchObject({ error: { code: 'CLUSTER_TIMEOUT' } })
    await settle()
    expect(inbox.get('B')).toEqual([])
    expect(traces.some((t) => t.kind === 'outage' && t.down)).toBe(true)
    await Promise.all(observers.map((o) => o.simulateOutage(false)))
    const post = await fake.fetch('http://localhost:4004/emit', { method: 'POST', body: JSON.stringify({ space: 'aaaaaa', text: 'w' }) })
    expect(await post.json()).toMatchObject({ ok: true, line: 'emitter.of("/with-redis").emit("message", msg)' })
    await settle()
    expect(inbox.get('B')?.map((m) => m.from)).toEqual(['emitter'])
    const hs = await (await fake.fetch('http://localhost:4001/socket.io/?EIO=4&transport=polling')).text()
    const sid = JSON.parse(hs.slice(1)).sid as string
    expect((await fake.fetch(`http://localhost:4002/socket.io/?EIO=4&transport=polling&sid=${sid}`)).status).toBe(400)
    expect((await fake.fetch(`http://localhost:4001/socket.io/?EIO=4&transport=polling&sid=${sid}`)).status).toBe(200)
  })

  it('is offline on demand', async () => {
    const fake = createFakeConnector({ offline: true })
    await expect(fake.directory()).rejects.toThrow()
  })
})
