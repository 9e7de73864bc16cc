/**
 * THE contract: one list of scenarios, written against `SandboxConnector` only, that the
 * in-memory fake (`fake.test.ts`, unit project) and real instances joined through Redis
 * (`real.test.ts`, integration project) must both pass. When they disagree, the server is the
 * reference: fix the fake.
 *
 * Every scenario uses its own space codes, so the real run can share one cluster. "Did not
 * receive" is always asserted after a delivery barrier (`kit.barrier`), never after a sleep.
 */
import { expect } from 'vitest'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import { rawRequest, type Kit, type Watcher } from './kit.ts'
import { secureScenarios } from './secure-scenarios.ts'

export interface Scenario {
  name: string
  /** Longer than the default for scenarios that wait on a server timeout. */
  timeoutMs?: number
  run(kit: Kit): Promise<void>
}

type Kind = TraceEvent['kind']
const ofKind = <K extends Kind>(trace: TraceEvent[], kind: K): Extract<TraceEvent, { kind: K }>[] =>
  trace.filter((event): event is Extract<TraceEvent, { kind: K }> => event.kind === kind)

/** Each watcher's deliveries of `traceId`, as `instance:label,label` (empty instances left out). */
const deliveries = (watchers: Watcher[], traceId: string): string[] =>
  watchers.flatMap((w) =>
    ofKind(w.trace, 'delivery')
      .filter((d) => d.traceId === traceId)
      .map((d) => `${d.instance}:${d.recipients.map((r) => r.label).sort().join(',')}`),
  )

const traceIdOf = (ack: unknown): string => {
  expect(ack).toEqual({ ok: true, traceId: expect.any(String) })
  return (ack as { traceId: string }).traceId
}

const basics: Scenario[] = [
  {
    name: 'directory and health: three instances with Redis fan-out, each healthy',
    async run(kit) {
      const dir = await kit.world.connector.directory()
      expect(dir).toMatchObject({ fanout: 'redis', fallback: false, emitter: { base: expect.any(String) } })
      expect(dir.instances.map((i) => i.id)).toEqual(['i1', 'i2', 'i3'])
      for (const instance of dir.instances) {
        expect(await kit.world.connector.health(instance)).toMatchObject({ status: 'ok', instance: instance.id, fanout: 'redis', redis: 'ready' })
      }
    },
  },
  {
    name: 'hello: a client and an observer are greeted with instance, socket id, namespace, space and fan-out',
    async run(kit) {
      const space = kit.space()
      const [watcher] = await kit.watch(space, [1])
      expect(watcher?.hello).toEqual({ instance: 'i2', socketId: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/), namespace: '/observe', space, fanout: 'redis' })
      const a = await kit.client(1, '/admin', 'A', space)
      expect(a.hello).toEqual({ instance: 'i2', socketId: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/), namespace: '/admin', space, fanout: 'redis' })
    },
  },
  {
    name: 'health counts the widgets\u2019 observers apart from learner sockets',
    async run(kit) {
      const space = kit.space()
      const [i3] = (await kit.world.connector.directory()).instances.slice(2)
      if (!i3) throw new Error('no i3')
      const before = await kit.world.connector.health(i3)
      await kit.watch(space, [2])
      await kit.client(2, '/chat', 'A', space)
      await kit.eventually(async () => {
        const after = await kit.world.connector.health(i3)
        expect({ sockets: after.sockets - before.sockets, observers: after.observers - before.observers }).toEqual({ sockets: 2, observers: 1 })
      })
    },
  },
]

const rooms: Scenario[] = [
  {
    name: 'socket.to(room) reaches the room on every instance, never the sender nor non-members',
    async run(kit) {
      const space = kit.space()
      const [a, d, b, c] = await Promise.all([
        kit.client(0, '/chat', 'A', space),
        kit.client(0, '/chat', 'D', space),
        kit.client(1, '/chat', 'B', space),
        kit.client(2, '/chat', 'C', space),
      ])
      for (const peer of [a, b, d]) await peer.join('paris')
      await c.join('lyon')
      traceIdOf(await a.send('socket.to(room).emit', ['paris'], 'to paris'))
      await kit.barrier(a, [a, b, c, d])
      expect([a, b, c, d].map((p) => p.texts())).toEqual([[], ['to paris'], [], ['to paris']])
      expect(b.inbox[0]).toMatchObject({ call: 'socket.to(room).emit', from: 'A', text: 'to paris', rooms: ['paris'] })
    },
  },
  {
    name: 'io.to(room) reaches the room on every instance, sender included',
    async run(kit) {
      const space = kit.space()
      const [a, b, c] = await Promise.all([kit.client(0, '/chat', 'A', space), kit.client(1, '/chat', 'B', space), kit.client(2, '/chat', 'C', space)])
      await a.join('paris')
      await b.join('paris')
      await a.send('io.to(room).emit', ['paris'], 'all of paris')
      await kit.barrier(a, [a, b, c])
      expect([a, b, c].map((p) => p.texts())).toEqual([['all of paris'], ['all of paris'], []])
    },
  },
  {
    name: 'socket.broadcast.emit excludes the sender; io.emit reaches all; socket.emit reaches nobody',
    async run(kit) {
      const space = kit.space()
      const [a, b, c] = await Promise.all([kit.client(0, '/chat', 'A', space), kit.client(1, '/chat', 'B', space), kit.client(2, '/chat', 'C', space)])
      traceIdOf(await a.send('socket.emit', [], 'server only'))
      await a.send('socket.broadcast.emit', [], 'not me')
      await a.send('io.emit', [], 'everyone')
      await kit.barrier(a, [a, b, c])
      expect([a, b, c].map((p) => p.texts())).toEqual([['everyone'], ['not me', 'everyone'], ['not me', 'everyone']])
    },
  },
  {
    name: 'io.to(rooms): the union of the rooms, one copy for a socket in two of them',
    async run(kit) {
      const space = kit.space()
      const [a, b, c, d] = await Promise.all(['A', 'B', 'C', 'D'].map((label, n) => kit.client(n % 3, '/chat', label, space)))
      if (!a || !b || !c || !d) throw new Error('four clients expected')
      await b.join('paris')
      await b.join('lyon')
      await c.join('lyon')
      await a.send('io.to(rooms).emit', ['paris', 'lyon'], 'union')
      await kit.barrier(a, [a, b, c, d])
      expect([a, b, c, d].map((p) => p.texts())).toEqual([[], ['union'], ['union'], []])
    },
  },
  {
    name: 'room:join and room:leave answer the socket\'s rooms, sorted, without its own id room',
    async run(kit) {
      const a = await kit.client(0, '/chat', 'A', kit.space())
      expect(await a.join('paris')).toEqual({ ok: true, rooms: ['paris'] })
      expect(await a.join('lyon')).toEqual({ ok: true, rooms: ['lyon', 'paris'] })
      expect(await a.join('lyon')).toEqual({ ok: true, rooms: ['lyon', 'paris'] })
      expect(await a.client.request('room:leave', { room: 'paris' })).toEqual({ ok: true, rooms: ['lyon'] })
      expect(await a.client.request('room:leave', { room: 'nowhere' })).toEqual({ ok: true, rooms: ['lyon'] })
    },
  },
  {
    name: 'namespaces are isolated: /chat and /admin of one space never mix, same room names or not',
    async run(kit) {
      const space = kit.space()
      const [chat, chatPeer, admin, adminPeer] = await Promise.all([
        kit.client(0, '/chat', 'A', space),
        kit.client(1, '/chat', 'B', space),
        kit.client(0, '/admin', 'X', space),
        kit.client(1, '/admin', 'Y', space),
      ])
      for (const peer of [chat, chatPeer, admin, adminPeer]) await peer.join('paris')
      await chat.send('io.emit', [], 'chat all')
      await chat.send('io.to(room).emit', ['paris'], 'chat paris')
      await kit.barrier(chat, [chat, chatPeer])
      await kit.barrier(admin, [admin, adminPeer])
      expect([chatPeer.texts(), admin.texts(), adminPeer.texts()]).toEqual([['chat all', 'chat paris'], [], []])
    },
  },
  {
    name: 'spaces are isolated: two space codes never mix',
    async run(kit) {
      const [one, two] = [kit.space(), kit.space()]
      const [a, b, x, y] = await Promise.all([
        kit.client(0, '/chat', 'A', one),
        kit.client(1, '/chat', 'B', one),
        kit.client(0, '/chat', 'A', two),
        kit.client(1, '/chat', 'B', two),
      ])
      await a.send('io.emit', [], 'space one')
      await kit.barrier(a, [a, b])
      await kit.barrier(x, [x, y])
      expect([b.texts(), x.texts(), y.texts()]).toEqual([['space one'], [], []])
    },
  },
]

/** Fills instance 0 with `space`'s cap (one observer, the rest clients). */
async function fillInstance(kit: Kit, space: string): Promise<void> {
  await kit.watch(space, [0])
  const max = kit.world.limits.maxSocketsPerSpace
  await Promise.all(Array.from({ length: max - 1 }, (_, n) => kit.client(0, n % 2 ? '/chat' : '/with-redis', `C${n}`, space)))
}

const limits: Scenario[] = [
  {
    name: 'space cap: an instance admits maxSocketsPerSpace sockets of a space (observers count), then SPACE_FULL; other instances still admit',
    async run(kit) {
      const space = kit.space()
      await fillInstance(kit, space)
      expect(await kit.refused(0, '/admin', 'late', space)).toMatchObject({ code: 'SPACE_FULL' })
      expect(await kit.watchRefused(0, space)).toMatchObject({ code: 'SPACE_FULL', message: expect.stringContaining(String(kit.world.limits.maxSocketsPerSpace)) })
      expect((await kit.client(1, '/admin', 'elsewhere', space)).hello.instance).toBe('i2')
      expect((await kit.client(0, '/admin', 'other space', kit.space())).hello.instance).toBe('i1')
    },
  },
  {
    name: 'room limit: ROOM_LIMIT past maxRoomsPerSocket; a room already joined and a room after a leave are fine',
    async run(kit) {
      const a = await kit.client(0, '/chat', 'A', kit.space())
      const max = kit.world.limits.maxRoomsPerSocket
      for (let n = 0; n < max; n++) expect(await a.join(`r${n}`)).toMatchObject({ ok: true })
      expect(await a.join('one-more')).toMatchObject({ error: { code: 'ROOM_LIMIT', message: expect.stringContaining(String(max)) } })
      expect(await a.join('r0')).toMatchObject({ ok: true })
      await a.client.request('room:leave', { room: 'r0' })
      expect(await a.join('one-more')).toMatchObject({ ok: true, rooms: expect.arrayContaining(['one-more']) })
    },
  },
  {
    name: 'rate limit: a socket that floods past the burst gets RATE_LIMITED, and keeps its connection',
    async run(kit) {
      const a = await kit.client(0, '/chat', 'A', kit.space())
      const burst = kit.world.limits.eventBurst
      const answers = await Promise.all(Array.from({ length: burst * 2 }, () => a.send('socket.emit', [], 'flood')))
      const limited = answers.filter((ack) => 'error' in ack && ack.error.code === 'RATE_LIMITED')
      expect(limited.length).toBeGreaterThan(0)
      expect(answers.length - limited.length).toBeGreaterThanOrEqual(burst)
      await kit.eventually(async () => expect(await a.send('socket.emit', [], 'later')).toMatchObject({ ok: true }), 5_000)
    },
  },
]

/** Payloads the server must refuse, per event, with the field its message names. */
const INVALID: [event: string, payload: unknown, field: string][] = [
  ['room:join', { room: 'Paris!' }, 'room'],
  ['room:join', { room: 42 }, 'room'],
  ['room:join', {}, 'room'],
  ['room:join', { room: 'paris', extra: 1 }, 'payload'],
  ['room:leave', 'paris', 'payload'],
  ['send', { call: 'io.in(room).emit', rooms: [], text: 'x' }, 'call'],
  ['send', { call: 'io.emit', rooms: [], text: '' }, 'text'],
  ['send', { call: 'io.emit', rooms: [], text: 'x'.repeat(281) }, 'text'],
  ['send', { call: 'socket.to(room).emit', rooms: [], text: 'x' }, 'rooms'],
  ['send', { call: 'io.to(room).emit', rooms: ['a', 'b'], text: 'x' }, 'rooms'],
  ['send', { call: 'io.to(rooms).emit', rooms: ['a', 'b', 'c', 'd', 'e', 'f'], text: 'x' }, 'rooms'],
  ['send', { call: 'io.emit', rooms: ['paris'], text: 'x' }, 'rooms'],
  ['send', { call: 'io.to(rooms).emit', rooms: ['BAD'], text: 'x' }, 'rooms.0'],
]

const errors: Scenario[] = [
  {
    name: 'invalid payloads: INVALID_PAYLOAD naming the event and the field, each traced as an error',
    async run(kit) {
      const space = kit.space()
      const [watcher] = await kit.watch(space, [0])
      const a = await kit.client(0, '/chat', 'A', space)
      for (const [event, payload, field] of INVALID) {
        const ack = await rawRequest(a.client, event, payload)
        expect(ack, `${event} ${JSON.stringify(payload)}`).toMatchObject({ error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(`^${event}: ${field.replace('.', '\\.')}: `) } })
      }
      await kit.eventually(() => expect(ofKind(watcher?.trace ?? [], 'error')).toHaveLength(INVALID.length))
      expect(ofKind(watcher?.trace ?? [], 'error')[0]).toMatchObject({ instance: 'i1', namespace: '/chat', label: 'A', socketId: a.hello.socketId, code: 'INVALID_PAYLOAD' })
      expect(await a.join('paris')).toEqual({ ok: true, rooms: ['paris'] }) // still connected and served
    },
  },
  {
    name: 'unknown events: UNKNOWN_EVENT, cluster events included outside the cluster namespaces',
    async run(kit) {
      const a = await kit.client(0, '/admin', 'A', kit.space())
      for (const event of ['nope', 'cluster:fetch-sockets', 'cluster:server-side-emit', 'cluster:direct']) {
        expect(await rawRequest(a.client, event, {}), event).toMatchObject({ error: { code: 'UNKNOWN_EVENT', message: expect.stringContaining(`"${event}"`) } })
      }
      const w = await kit.client(0, '/with-redis', 'W', kit.space())
      expect(await rawRequest(w.client, 'nope', {})).toMatchObject({ error: { code: 'UNKNOWN_EVENT', message: expect.stringContaining('cluster:direct') } })
      expect(await rawRequest(w.client, 'cluster:fetch-sockets', { extra: 1 })).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
      expect(await rawRequest(w.client, 'cluster:direct', { to: 'nope', text: 'x' })).toMatchObject({ error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/^cluster:direct: to: /) } })
    },
  },
  {
    name: 'handshake: a bad label is refused with INVALID_HANDSHAKE; a good one in the same space is not',
    async run(kit) {
      const space = kit.space()
      expect(await kit.refused(0, '/chat', 'no <html> here', space)).toMatchObject({ code: 'INVALID_HANDSHAKE', message: expect.stringContaining('label') })
      expect(await kit.refused(1, '/chat', '', space)).toMatchObject({ code: 'INVALID_HANDSHAKE' })
      expect((await kit.client(0, '/chat', 'fine_label-1', space)).hello.space).toBe(space)
      // A space code the server's namespaces do not match: socket.io refuses it, without a sandbox code.
      expect(await kit.refused(0, '/chat', 'A', 'NOT-A-CODE')).toEqual({ code: 'CONNECT_FAILED', message: 'Invalid namespace' })
      expect(await kit.watchRefused(0, 'NOT-A-CODE')).toMatchObject({ code: 'INVALID_HANDSHAKE', message: expect.stringContaining('space') })
    },
  },
]

/** A and L on instance 0, B on 1, C on 2, all in `namespace` of `space`. */
async function spread(kit: Kit, space: string, namespace: '/with-redis' | '/without-redis') {
  const [a, l, b, c] = await Promise.all([
    kit.client(0, namespace, 'A', space),
    kit.client(0, namespace, 'L', space),
    kit.client(1, namespace, 'B', space),
    kit.client(2, namespace, 'C', space),
  ])
  return { a, l, b, c }
}

const clusterScenarios: Scenario[] = [
  {
    name: 'cluster namespaces: /with-redis crosses instances, /without-redis stays on the sender\'s instance',
    async run(kit) {
      const space = kit.space()
      const on = await spread(kit, space, '/with-redis')
      const off = await spread(kit, space, '/without-redis')
      await on.a.send('io.emit', [], 'on')
      await off.a.send('io.emit', [], 'off')
      await kit.barrier(on.a, [on.a, on.l, on.b, on.c])
      await kit.barrier(off.a, [off.a, off.l])
      await kit.barrier(off.b, [off.b])
      await kit.barrier(off.c, [off.c])
      expect([on.a, on.l, on.b, on.c].map((p) => p.texts())).toEqual([['on'], ['on'], ['on'], ['on']])
      expect([off.a, off.l, off.b, off.c].map((p) => p.texts())).toEqual([['off'], ['off'], [], []])
    },
  },
  {
    name: 'io.to(socketId) (cluster:direct) reaches exactly one socket, on another instance too',
    async run(kit) {
      const { a, l, b, c } = await spread(kit, kit.space(), '/with-redis')
      traceIdOf(await a.client.request('cluster:direct', { to: c.hello.socketId, text: 'just you' }))
      traceIdOf(await a.client.request('cluster:direct', { to: 'A'.repeat(20), text: 'nobody' }))
      await kit.barrier(a, [a, l, b, c])
      expect([a, l, b, c].map((p) => p.texts())).toEqual([[], [], [], ['just you']])
      expect(c.inbox[0]).toMatchObject({ call: 'io.to(socketId).emit', from: 'A', rooms: [] })
      // Without the adapter, a socket id on another instance is nobody here.
      const [x, y] = await Promise.all([kit.client(0, '/without-redis', 'X', a.hello.space), kit.client(1, '/without-redis', 'Y', a.hello.space)])
      traceIdOf(await x.client.request('cluster:direct', { to: y.hello.socketId, text: 'lost' }))
      await kit.barrier(y, [y])
      expect(y.texts()).toEqual([])
    },
  },
  {
    name: 'fetchSockets(): the whole cluster with Redis (by label, rooms sorted), the local instance without',
    async run(kit) {
      const space = kit.space()
      const on = await spread(kit, space, '/with-redis')
      await on.c.join('paris')
      await on.c.join('lyon')
      expect(await on.b.client.request('cluster:fetch-sockets', {})).toEqual({
        ok: true,
        sockets: [
          { socketId: on.a.hello.socketId, label: 'A', instance: 'i1', rooms: [] },
          { socketId: on.b.hello.socketId, label: 'B', instance: 'i2', rooms: [] },
          { socketId: on.c.hello.socketId, label: 'C', instance: 'i3', rooms: ['lyon', 'paris'] },
          { socketId: on.l.hello.socketId, label: 'L', instance: 'i1', rooms: [] },
        ],
      })
      const off = await spread(kit, space, '/without-redis')
      const local = await off.a.client.request('cluster:fetch-sockets', {})
      expect('ok' in local && local.sockets.map((s) => `${s.label}@${s.instance}`)).toEqual(['A@i1', 'L@i1'])
    },
  },
  {
    name: 'serverSideEmit(): answered by each OTHER instance hosting the namespace, never the caller; without Redis by nobody',
    async run(kit) {
      const space = kit.space()
      const [a, l, b] = await Promise.all([kit.client(0, '/with-redis', 'A', space), kit.client(0, '/with-redis', 'L', space), kit.client(1, '/with-redis', 'B', space)])
      expect(await b.client.request('cluster:server-side-emit', {})).toEqual({ ok: true, answers: [{ instance: 'i1', sockets: 2 }] })
      void [a, l]
      const off = await spread(kit, space, '/without-redis')
      expect(await off.b.client.request('cluster:server-side-emit', {})).toEqual({ ok: true, answers: [] })
    },
  },
]

/** POSTs `body` as JSON to the directory's emitter, with the fetch a widget gets. */
async function emitterPost(kit: Kit, body: unknown): Promise<Response> {
  const { emitter } = await kit.world.connector.directory()
  if (!emitter) throw new Error('the directory lists no emitter')
  return kit.world.fetch(`${emitter.base}/emit`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
}

const emitterAndLeaving: Scenario[] = [
  {
    name: 'the Redis emitter: POST /emit reaches /with-redis on every instance (one room if given), published by "emitter"; a bad body is a 400 INVALID_PAYLOAD',
    async run(kit) {
      const space = kit.space()
      const watchers = await kit.watch(space)
      const { a, l, b, c } = await spread(kit, space, '/with-redis')
      const x = await kit.client(1, '/without-redis', 'X', space)
      await c.join('paris')
      const all = await emitterPost(kit, { space, text: 'from a worker' })
      expect(all.status).toBe(200)
      const answer: unknown = await all.json()
      expect(answer).toEqual({ ok: true, traceId: expect.any(String), line: 'emitter.of("/with-redis").emit("message", msg)' })
      expect(await (await emitterPost(kit, { space, text: 'paris only', room: 'paris' })).json()).toMatchObject({ ok: true, line: 'emitter.of("/with-redis").to("paris").emit("message", msg)' })
      const bad = await emitterPost(kit, { space: 'NOPE', text: '' })
      expect([bad.status, await bad.json()]).toMatchObject([400, { error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/^space: /) } }])
      await kit.eventually(() => expect(c.texts()).toEqual(['from a worker', 'paris only']))
      await kit.barrier(a, [a, l, b, c])
      await kit.barrier(x, [x])
      expect([a, l, b, x].map((p) => p.texts())).toEqual([['from a worker'], ['from a worker'], ['from a worker'], []])
      expect(c.inbox[0]).toMatchObject({ call: 'emitter.emit', from: 'emitter', rooms: [] })
      const traceId = (answer as { traceId: string }).traceId
      await kit.eventually(() => {
        for (const w of watchers) expect(ofKind(w.trace, 'redis').filter((e) => e.traceId === traceId).map((e) => e.publishedBy)).toEqual(['emitter'])
      })
    },
  },
  {
    name: 'a closed client leaves: no longer listed by fetchSockets nor reached, its requests answer DISCONNECTED, the trace says so',
    async run(kit) {
      const space = kit.space()
      const [watcher] = await kit.watch(space, [1])
      const { a, l, b, c } = await spread(kit, space, '/with-redis')
      await b.join('paris')
      b.client.close()
      expect(await b.join('lyon')).toMatchObject({ error: { code: 'DISCONNECTED' } })
      await kit.eventually(async () => {
        const ack = await a.client.request('cluster:fetch-sockets', {})
        expect('ok' in ack && ack.sockets.map((s) => s.label)).toEqual(['A', 'C', 'L'])
      })
      expect(ofKind(watcher?.trace ?? [], 'disconnect')).toMatchObject([{ instance: 'i2', label: 'B', socketId: b.hello.socketId }])
      await a.send('io.emit', [], 'after B left')
      await kit.barrier(a, [a, l, c])
      expect(b.inbox).toEqual([])
    },
  },
]

const outages: Scenario[] = [
  {
    name: 'simulated outage on every instance: local delivery only, cluster requests fail at once with CLUSTER_TIMEOUT, traced; then it resumes',
    async run(kit) {
      const space = kit.space()
      const watchers = await kit.watch(space)
      const { a, l, b, c } = await spread(kit, space, '/with-redis')
      const simulate = (down: boolean) => Promise.all(watchers.map((w) => w.observer.simulateOutage(down)))
      expect(await simulate(true)).toEqual([{ ok: true, down: true }, { ok: true, down: true }, { ok: true, down: true }])
      await a.send('io.emit', [], 'during')
      await kit.barrier(a, [a, l])
      expect(await a.client.request('cluster:fetch-sockets', {})).toMatchObject({ error: { code: 'CLUSTER_TIMEOUT', message: expect.stringContaining('simulated') } })
      expect(await a.client.request('cluster:server-side-emit', {})).toMatchObject({ error: { code: 'CLUSTER_TIMEOUT' } })
      expect(await simulate(false)).toEqual([{ ok: true, down: false }, { ok: true, down: false }, { ok: true, down: false }])
      await a.send('io.emit', [], 'after')
      await kit.barrier(a, [a, l, b, c])
      expect([a, l, b, c].map((p) => p.texts())).toEqual([['during', 'after'], ['during', 'after'], ['after'], ['after']])
      for (const w of watchers) expect(ofKind(w.trace, 'outage').map((e) => `${e.instance}${e.namespace}:${e.down}`)).toEqual([`${w.hello.instance}/with-redis:true`, `${w.hello.instance}/with-redis:false`])
    },
  },
  {
    name: 'simulated outage on one instance cuts that instance off only; /chat and other spaces are unaffected',
    timeoutMs: 15_000,
    async run(kit) {
      const space = kit.space()
      const [, cut] = await kit.watch(space, [0, 1])
      const { a, l, b, c } = await spread(kit, space, '/with-redis')
      const chat = await Promise.all([kit.client(0, '/chat', 'A', space), kit.client(1, '/chat', 'B', space)])
      const other = await spread(kit, kit.space(), '/with-redis')
      expect(await cut?.observer.simulateOutage(true)).toEqual({ ok: true, down: true })
      await a.send('io.emit', [], 'from i1')
      await b.send('io.emit', [], 'from i2')
      await chat[0].send('io.emit', [], 'chat')
      await other.a.send('io.emit', [], 'other space')
      await kit.barrier(a, [a, l, c])
      await kit.barrier(b, [b])
      await kit.barrier(chat[0], chat)
      await kit.barrier(other.a, [other.b])
      expect([a, l, b, c].map((p) => p.texts())).toEqual([['from i1'], ['from i1'], ['from i2'], ['from i1']])
      expect([chat[1].texts(), other.b.texts()]).toEqual([['chat'], ['other space']])
      // The cut instance cannot publish a request; the others publish one it never answers.
      expect(await b.client.request('cluster:fetch-sockets', {})).toMatchObject({ error: { code: 'CLUSTER_TIMEOUT' } })
      const [fetched, pinged] = await Promise.all([a.client.request('cluster:fetch-sockets', {}), c.client.request('cluster:server-side-emit', {})])
      expect([fetched, pinged]).toMatchObject([{ error: { code: 'CLUSTER_TIMEOUT' } }, { error: { code: 'CLUSTER_TIMEOUT' } }])
    },
  },
  {
    name: 'a simulated outage ends when the last observer of the space leaves its instance',
    async run(kit) {
      const space = kit.space()
      const [cut] = await kit.watch(space, [1])
      const { a, b } = await spread(kit, space, '/with-redis')
      await cut?.observer.simulateOutage(true)
      cut?.observer.close()
      let n = 0
      await kit.eventually(async () => {
        await a.send('io.emit', [], `after ${++n}`)
        await kit.barrier(a, [a])
        await kit.barrier(b, [b])
        expect(b.texts().length).toBeGreaterThan(0)
      })
    },
  },
]

/** Sends one of each call kind from A and checks what each instance's observer saw. */
async function traceOfCalls(kit: Kit): Promise<void> {
  const space = kit.space()
  const watchers = await kit.watch(space)
  const a = await kit.client(0, '/chat', 'A', space)
  const b = await kit.client(1, '/chat', 'B', space)
  await a.join('paris')
  await b.join('paris')
  const id = traceIdOf(await a.send('io.to(room).emit', ['paris'], 'hello paris'))
  const silent = traceIdOf(await a.send('socket.emit', [], 'server only'))
  await a.join('BAD!')
  await kit.barrier(a, [a, b])
  await kit.eventually(() => expect(deliveries(watchers, id).sort()).toEqual(['i1:A', 'i2:B']))
  expect(deliveries(watchers, silent)).toEqual([])
  const [i1, i2, i3] = watchers.map((w) => w.trace)
  const call = ofKind(i1 ?? [], 'call').find((e) => e.traceId === id)
  expect(call).toMatchObject({ instance: 'i1', namespace: '/chat', label: 'A', socketId: a.hello.socketId, call: 'io.to(room).emit', serverLine: 'io.of("/chat").to("paris").emit("message", msg)', rooms: ['paris'], text: 'hello paris', at: expect.any(Number) })
  expect(ofKind(i1 ?? [], 'call').find((e) => e.traceId === silent)?.serverLine).toBe('socket.on("send", (msg, ack) => ack({ ok: true }))')
  expect(ofKind(i2 ?? [], 'call')).toEqual([]) // an instance traces only what it ran itself
  expect(ofKind(i1 ?? [], 'join')[0]).toMatchObject({ instance: 'i1', label: 'A', room: 'paris', rooms: ['paris'] })
  expect(ofKind(i2 ?? [], 'connect')).toMatchObject([{ instance: 'i2', namespace: '/chat', label: 'B', socketId: b.hello.socketId }])
  expect(ofKind(i1 ?? [], 'error')).toMatchObject([{ code: 'INVALID_PAYLOAD', label: 'A' }])
  expect(i3?.filter((e) => e.kind !== 'redis')).toEqual([])
  b.client.close()
  await kit.eventually(() => expect(ofKind(i2 ?? [], 'disconnect')).toMatchObject([{ label: 'B', reason: 'client namespace disconnect' }]))
}

/** A `/with-redis` broadcast: every watching instance reports the Redis message once, same key. */
async function traceOfRedis(kit: Kit): Promise<void> {
  const space = kit.space()
  const watchers = await kit.watch(space)
  const a = await kit.client(0, '/with-redis', 'A', space)
  const b = await kit.client(1, '/with-redis', 'B', space)
  await a.join('paris')
  await b.join('paris')
  const id = traceIdOf(await a.send('socket.to(room).emit', ['paris'], 'via redis'))
  await kit.barrier(a, [a, b])
  const reports = () => watchers.map((w) => ofKind(w.trace, 'redis').filter((e) => e.traceId === id))
  await kit.eventually(() => expect(reports().map((r) => r.length)).toEqual([1, 1, 1]))
  const [fromI1, fromI2, fromI3] = reports().map((r) => r[0])
  const common = { namespace: '/with-redis', type: 'broadcast', rooms: ['paris'], except: [a.hello.socketId], packetType: 'EVENT', event: 'message', key: fromI1?.key, bytes: fromI1?.bytes }
  expect(fromI1).toMatchObject({ ...common, instance: 'i1', publishedBy: 'i1', subscribed: true, channel: expect.stringMatching(new RegExp(`#/s/${space}/with-redis#paris#$`)) })
  expect(fromI2).toMatchObject({ ...common, instance: 'i2', publishedBy: null, subscribed: true, channel: fromI1?.channel })
  expect(fromI3).toMatchObject({ ...common, instance: 'i3', publishedBy: null, subscribed: false, channel: fromI1?.channel })
  expect(deliveries(watchers, id)).toEqual(['i2:B'])
  // fetchSockets: a request published by i1, answered by i2 (the only other host of the namespace).
  await a.client.request('cluster:fetch-sockets', {})
  await kit.eventually(() => {
    expect(ofKind(watchers[0]?.trace ?? [], 'redis').filter((e) => e.packetType === 'REMOTE_FETCH').map((e) => e.publishedBy)).toEqual(['i1'])
    expect(ofKind(watchers[2]?.trace ?? [], 'redis').filter((e) => e.type === 'response')).toHaveLength(1)
  })
}

const traces: Scenario[] = [
  { name: 'trace: connect, join, call with its server line, per-instance deliveries, error and disconnect', run: traceOfCalls },
  { name: 'trace: /with-redis traffic reported once by every watching instance, merged by key, publisher named', run: traceOfRedis },
]

/**
 * Every scenario, in the order both implementations run them.
 *
 * @example
 * for (const scenario of scenarios) it(scenario.name, async () => scenario.run(await createKit(world)))
 */
export const scenarios: readonly Scenario[] = [...basics, ...rooms, ...limits, ...errors, ...clusterScenarios, ...emitterAndLeaving, ...outages, ...traces, ...secureScenarios]
