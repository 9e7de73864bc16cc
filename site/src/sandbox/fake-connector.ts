/**
 * An in-memory sandbox cluster for widget tests: instances, spaces, namespaces, rooms, sender
 * exclusion, Redis fan-out (or not) and per-instance traces, all without a network.
 * Everything the "server" does happens on a later macrotask, like real packets.
 *
 * Lesson 3's cluster namespaces behave like the real ones: `/with-redis` fans out through "Redis"
 * (and reports `redis` trace events from every watched instance, merged by `key`), `/without-redis`
 * never leaves the sender's instance; `fetchSockets()`, `serverSideEmit()`, `io.to(socketId)`, the
 * per-space outage simulation, and `fake.fetch` for the emitter (`POST /emit`) and Engine.IO
 * long-polling requests (sessions live on the instance that created them).
 */
import {
  createEmitter,
  instanceBase,
  type ClientEventMap,
  type ClientRequestMap,
  type LocalErrorAck,
  type ResolvedDirectory,
  type ObserverEventMap,
  type SandboxClient,
  type SandboxConnector,
  type SandboxInstance,
  type SandboxObserver,
} from './connector.ts'
import {
  callRooms,
  LABEL_PATTERN,
  ROOM_NAME_PATTERN,
  SEND_CALLS,
  serverLine,
  type ErrorCode,
  type FanoutState,
  type HealthBody,
  type LearnerNamespace,
  type MessageEvent,
  type RedisTraffic,
  type SendCall,
  type TraceEvent,
  type TracedSocket,
} from '@realtime-workbook/sandbox-server/protocol'

interface FakeSocket {
  id: string
  label: string
  instance: string
  namespace: LearnerNamespace
  space: string
  rooms: Set<string>
  connected: boolean
  emit: ReturnType<typeof createEmitter<ClientEventMap>>['emit']
}

interface FakeObserver {
  instance: string
  space: string
  connected: boolean
  emit: ReturnType<typeof createEmitter<ObserverEventMap>>['emit']
}

export interface FakeConnectorOptions {
  instances?: number
  fanout?: FanoutState
  /** When true, `/sandbox.json` and every `/healthz` fail, and connections fail. */
  offline?: boolean
  maxSocketsPerSpace?: number
  /** Whether the directory lists the Redis emitter (port 4004); default true. */
  emitter?: boolean
}

export interface FakeConnector extends SandboxConnector {
  offline: boolean
  fanout: FanoutState
  /** Instance ids that are down (health fails, connections fail). */
  down: Set<string>
  /** The next connection attempts fail with this `connect_error.data.code`. */
  failConnectWith: ErrorCode | null
  /** Connected playground sockets, for assertions. */
  sockets(): { id: string; label: string; instance: string; namespace: string; space: string; rooms: string[] }[]
  observerCount(): number
  /** `fetch` for the emitter (`POST :4004/emit`) and Engine.IO polling requests on the instances. */
  fetch: typeof fetch
  /** Spaces whose outage is simulated, as `space@instance`. */
  outages: Set<string>
}

const KEY = 'rtwb'
const HANDSHAKE_TAIL = '"upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'

/** The fake runs the server's own `serverLine`: a test-only module may import server code. */
export { serverLine }

export function createFakeConnector(options: FakeConnectorOptions = {}): FakeConnector {
  const ids = Array.from({ length: options.instances ?? 3 }, (_, n) => `i${n + 1}`)
  const loc = { protocol: 'http:', hostname: 'localhost' }
  const sockets = new Map<string, FakeSocket>()
  const observers = new Set<FakeObserver>()
  const max = options.maxSocketsPerSpace ?? 20
  let seq = 0
  let clock = 1_700_000_000_000
  const later = (fn: () => void) => setTimeout(fn, 0)
  // 20 characters, like real socket ids (cluster:direct checks the length).
  const uid = (prefix: string) => `${prefix}${(++seq).toString(36).padStart(4, '0')}xyzSOCKETIDFAKE`
  const sessions = new Map<string, string>() // Engine.IO sid -> instance id

  const fake: FakeConnector = {
    offline: options.offline ?? false,
    fanout: options.fanout ?? 'redis',
    down: new Set(),
    failConnectWith: null,
    outages: new Set(),

    async directory() {
      if (fake.offline) throw new Error('sandbox.json: HTTP 404')
      const dir: ResolvedDirectory = {
        instances: ids.map((id, n) => ({ id, port: 4001 + n, base: instanceBase(4001 + n, loc) })),
        fanout: fake.fanout === 'local-only' ? 'local-only' : 'redis',
        fallback: false,
      }
      if (options.emitter !== false && fake.fanout !== 'local-only') dir.emitter = { port: 4004, base: instanceBase(4004, loc) }
      return dir
    },

    async fetch(input, init) {
      const url = new URL(String(input))
      const port = Number(url.port)
      const reply = (status: number, body: unknown) =>
        new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })
      if (fake.offline) throw new TypeError('Failed to fetch')
      if (port === 4004 && url.pathname === '/emit' && options.emitter !== false) {
        const body = JSON.parse(String(init?.body ?? '{}')) as { space?: string; text?: string; room?: string }
        if (!body.space || !body.text || (body.room !== undefined && !ROOM_NAME_PATTERN.test(body.room))) {
          return reply(400, { error: { code: 'INVALID_PAYLOAD', message: 'text: text must not be empty' } })
        }
        return reply(200, emitterEmit(body.space, body.text, body.room))
      }
      const instance = ids[port - 4001]
      if (!instance || fake.down.has(instance) || url.pathname !== '/socket.io/') throw new TypeError('Failed to fetch')
      const sid = url.searchParams.get('sid')
      if (!sid) {
        const created = uid('E')
        sessions.set(created, instance)
        return reply(200, `0{"sid":"${created}",${HANDSHAKE_TAIL}`)
      }
      if (sessions.get(sid) !== instance) return reply(400, '{"code":1,"message":"Session ID unknown"}')
      return reply(200, init?.method === 'POST' ? 'ok' : `40{"sid":"${uid('s')}"}`)
    },

    async health(instance): Promise<HealthBody> {
      if (fake.offline || fake.down.has(instance.id)) throw new Error('Failed to fetch')
      return {
        status: 'ok',
        instance: instance.id,
        fanout: fake.fanout,
        redis: fake.fanout === 'redis' ? 'ready' : fake.fanout === 'redis-down' ? 'down' : 'disabled',
        sockets: [...sockets.values()].filter((s) => s.instance === instance.id).length,
        spaces: new Set(fake.sockets().filter((s) => s.instance === instance.id).map((s) => s.space)).size,
        uptimeSeconds: 42,
      }
    },

    connectClient({ instance, namespace, label, space }): SandboxClient {
      const emitter = createEmitter<ClientEventMap>()
      const sock: FakeSocket = {
        id: uid('s'),
        label,
        instance: instance.id,
        namespace,
        space,
        rooms: new Set(),
        connected: false,
        emit: emitter.emit,
      }
      let closed = false
      later(() => {
        if (closed) return
        const failure: [string, string] | null =
          fake.offline || fake.down.has(instance.id)
            ? ['CONNECT_FAILED', 'xhr poll error']
            : fake.failConnectWith
              ? [fake.failConnectWith, `rejected: ${fake.failConnectWith}`]
              : !LABEL_PATTERN.test(label)
                ? ['INVALID_HANDSHAKE', 'label must be 1-16 letters, digits, space, _ or -']
                : [...sockets.values()].filter((s) => s.space === space).length >= max
                  ? ['SPACE_FULL', 'this space is full']
                  : null
        if (failure) {
          emitter.emit('connect_error', { code: failure[0] as ErrorCode, message: failure[1] })
          return
        }
        sock.connected = true
        sockets.set(sock.id, sock)
        emitter.emit('hello', { instance: instance.id, socketId: sock.id, namespace, space, fanout: fake.fanout })
        trace(sock, { kind: 'connect', ...who(sock) })
      })

      return {
        label,
        instance,
        namespace,
        on: emitter.on,
        request<K extends keyof ClientRequestMap>(event: K, payload: ClientRequestMap[K][0]) {
          return new Promise<ClientRequestMap[K][1] | LocalErrorAck>((resolve) => {
            later(() => {
              if (!sock.connected) {
                resolve({ error: { code: 'DISCONNECTED', message: 'this client is not connected' } })
                return
              }
              resolve(handle(sock, event, payload) as ClientRequestMap[K][1])
            })
          })
        },
        close() {
          closed = true
          emitter.clear()
          if (sock.connected) {
            sock.connected = false
            sockets.delete(sock.id)
            trace(sock, { kind: 'disconnect', ...who(sock), reason: 'client namespace disconnect' })
          }
        },
      }
    },

    observe({ instance, space }): SandboxObserver {
      const emitter = createEmitter<ObserverEventMap>()
      const obs: FakeObserver = { instance: instance.id, space, connected: false, emit: emitter.emit }
      later(() => {
        if (fake.offline || fake.down.has(instance.id)) {
          emitter.emit('connect_error', { code: 'CONNECT_FAILED', message: 'xhr poll error' })
          return
        }
        obs.connected = true
        observers.add(obs)
        emitter.emit('hello', { instance: instance.id, socketId: uid('o'), namespace: '/observe', space, fanout: fake.fanout })
      })
      return {
        instance,
        on: emitter.on,
        simulateOutage(down) {
          return new Promise((resolve) => {
            later(() => {
              if (!obs.connected) return resolve({ error: { code: 'DISCONNECTED', message: 'this observer is not connected' } })
              fake.outages[down ? 'add' : 'delete'](`${space}@${instance.id}`)
              trace({ space, instance: instance.id }, { kind: 'outage', at: ++clock, instance: instance.id, namespace: '/with-redis', down })
              resolve({ ok: true, down })
            })
          })
        },
        close() {
          observers.delete(obs)
          emitter.clear()
        },
      }
    },

    sockets() {
      return [...sockets.values()].map((s) => ({
        id: s.id,
        label: s.label,
        instance: s.instance,
        namespace: s.namespace,
        space: s.space,
        rooms: [...s.rooms],
      }))
    },
    observerCount: () => observers.size,
  }

  function who(s: FakeSocket): TracedSocket & { at: number; instance: string; namespace: LearnerNamespace } {
    return { at: ++clock, instance: s.instance, namespace: s.namespace, socketId: s.id, label: s.label }
  }

  function trace(s: { space: string; instance: string }, event: TraceEvent) {
    for (const o of observers) {
      if (o.connected && o.space === s.space && o.instance === event.instance) o.emit('trace', event)
    }
  }

  function fail(sock: FakeSocket, code: ErrorCode, message: string) {
    trace(sock, { kind: 'error', ...who(sock), code, message })
    return { error: { code, message } }
  }

  /** Whether a packet of `space`/`namespace` published on instance `from` reaches instance `to`. */
  function linked(space: string, namespace: LearnerNamespace, from: string, to: string): boolean {
    if (from === to) return true
    if (fake.fanout !== 'redis' || namespace === '/without-redis') return false
    return namespace !== '/with-redis' || (!fake.outages.has(`${space}@${from}`) && !fake.outages.has(`${space}@${to}`))
  }
  const redisUp = (s: { space: string; namespace: LearnerNamespace; instance: string }) =>
    s.namespace === '/with-redis' && fake.fanout === 'redis' && !fake.outages.has(`${s.space}@${s.instance}`)

  /** Reports one Redis message from every watched instance's tap, like the real tap does. */
  function publish(space: string, publisher: string, fields: Partial<RedisTraffic> & Pick<RedisTraffic, 'type' | 'packetType'>, suffix = '') {
    const prefix = fields.type === 'broadcast' ? KEY : `${KEY}-${fields.type}`
    const traffic: RedisTraffic = {
      key: `k${++seq}`,
      channel: `${prefix}#/s/${space}/with-redis#${suffix}`,
      publishedBy: null,
      rooms: [],
      except: [],
      event: null,
      traceId: null,
      bytes: 0,
      subscribed: false,
      ...fields,
    }
    traffic.bytes ||= 40 + JSON.stringify(traffic).length
    later(() => {
      for (const instance of ids) {
        const publishedBy = publisher === 'emitter' || publisher === instance ? publisher : null
        // Like the real adapter: an instance is subscribed only while it hosts the namespace.
        const subscribed = [...sockets.values()].some((s) => s.space === space && s.namespace === '/with-redis' && s.instance === instance)
        trace({ space, instance }, { kind: 'redis', at: ++clock, instance, namespace: '/with-redis', ...traffic, publishedBy, subscribed })
      }
    })
  }

  /** Writes `msg` to `recipients` with one delivery trace per instance, on a later macrotask. */
  function deliver(space: string, namespace: LearnerNamespace, msg: MessageEvent, recipients: FakeSocket[]) {
    later(() => {
      // Like the server: an instance reports a delivery only when it wrote to some socket.
      for (const instance of ids) {
        const here = recipients.filter((s) => s.instance === instance)
        if (here.length === 0) continue
        trace({ space, instance }, {
          kind: 'delivery',
          at: ++clock,
          instance,
          namespace,
          traceId: msg.traceId,
          recipients: here.map((s) => ({ socketId: s.id, label: s.label })),
        })
      }
      for (const s of recipients) s.emit('message', msg)
    })
  }

  let emitterSeq = 0
  function emitterEmit(space: string, text: string, room?: string) {
    const msg: MessageEvent = { traceId: `emitter.${(emitterSeq++).toString(36)}`, call: 'emitter.emit', from: 'emitter', text, rooms: room ? [room] : [] }
    if (fake.fanout === 'redis') {
      publish(space, 'emitter', { type: 'broadcast', packetType: 'EVENT', event: 'message', traceId: msg.traceId, rooms: msg.rooms }, room ? `${room}#` : '')
      deliver(space, '/with-redis', msg, [...sockets.values()].filter((s) =>
        s.space === space && s.namespace === '/with-redis' && s.connected && !fake.outages.has(`${space}@${s.instance}`) && (!room || s.rooms.has(room))))
    }
    return { ok: true, traceId: msg.traceId, line: `emitter.of("/with-redis")${room ? `.to(${JSON.stringify(room)})` : ''}.emit("message", msg)` }
  }

  function cluster(sock: FakeSocket, event: 'cluster:direct' | 'cluster:fetch-sockets' | 'cluster:server-side-emit', p: { to?: unknown; text?: unknown }) {
    const peers = [...sockets.values()].filter((s) => s.space === sock.space && s.namespace === sock.namespace && s.connected)
    if (event === 'cluster:direct') {
      if (typeof p.to !== 'string' || !/^[A-Za-z0-9_-]{20}$/.test(p.to)) return fail(sock, 'INVALID_PAYLOAD', 'to must be a socket id (20 characters)')
      if (typeof p.text !== 'string' || !p.text) return fail(sock, 'INVALID_PAYLOAD', 'text must not be empty')
      const msg: MessageEvent = { traceId: `t${++seq}`, call: 'io.to(socketId).emit', from: sock.label, text: p.text, rooms: [] }
      trace(sock, { kind: 'call', ...who(sock), traceId: msg.traceId, call: msg.call, serverLine: `io.of(${JSON.stringify(sock.namespace)}).to(${JSON.stringify(p.to)}).emit("message", msg)`, rooms: [], text: p.text })
      if (redisUp(sock)) publish(sock.space, sock.instance, { type: 'broadcast', packetType: 'EVENT', event: 'message', traceId: msg.traceId, rooms: [p.to] }, `${p.to}#`)
      deliver(sock.space, sock.namespace, msg, peers.filter((s) => s.id === p.to && linked(sock.space, sock.namespace, sock.instance, s.instance)))
      return { ok: true, traceId: msg.traceId }
    }
    const reachable = ids.filter((i) => linked(sock.space, sock.namespace, sock.instance, i))
    if (sock.namespace === '/with-redis' && fake.fanout === 'redis') {
      // Like the server's simulation: with Redis down the request cannot even be published.
      if (!redisUp(sock)) return fail(sock, 'CLUSTER_TIMEOUT', 'could not get the other instances to answer (Redis is down (simulated): the request cannot be published): is Redis down?')
      publish(sock.space, sock.instance, { type: 'request', packetType: event === 'cluster:fetch-sockets' ? 'REMOTE_FETCH' : 'SERVER_SIDE_EMIT' })
      for (const other of reachable) if (other !== sock.instance) publish(sock.space, '?', { type: 'response', packetType: 'RESPONSE' })
    }
    if (event === 'cluster:fetch-sockets') {
      const remote = sock.namespace === '/without-redis' ? peers.filter((s) => s.instance === sock.instance) : peers.filter((s) => reachable.includes(s.instance))
      return {
        ok: true,
        sockets: remote
          .map((s) => ({ socketId: s.id, label: s.label, instance: s.instance, rooms: [...s.rooms].sort() }))
          .sort((a, b) => a.label.localeCompare(b.label)),
      }
    }
    const answering = sock.namespace === '/without-redis' ? [sock.instance] : reachable
    return { ok: true, answers: answering.map((instance) => ({ instance, sockets: peers.filter((s) => s.instance === instance).length })) }
  }

  function handle(sock: FakeSocket, event: keyof ClientRequestMap, payload: unknown) {
    const p = (payload ?? {}) as { room?: unknown; call?: unknown; rooms?: unknown; text?: unknown; to?: unknown }
    if (event === 'cluster:direct' || event === 'cluster:fetch-sockets' || event === 'cluster:server-side-emit') {
      if (sock.namespace !== '/with-redis' && sock.namespace !== '/without-redis') return fail(sock, 'UNKNOWN_EVENT', `unknown event "${event}"`)
      return cluster(sock, event, p)
    }
    if (event === 'room:join' || event === 'room:leave') {
      if (typeof p.room !== 'string' || !ROOM_NAME_PATTERN.test(p.room)) {
        return fail(sock, 'INVALID_PAYLOAD', 'room must be 1-16 characters of a-z, 0-9 and "-"')
      }
      if (event === 'room:join') {
        if (sock.rooms.size >= 8 && !sock.rooms.has(p.room)) return fail(sock, 'ROOM_LIMIT', 'at most 8 rooms')
        sock.rooms.add(p.room)
      } else sock.rooms.delete(p.room)
      const rooms = [...sock.rooms]
      trace(sock, { kind: event === 'room:join' ? 'join' : 'leave', ...who(sock), room: p.room, rooms })
      return { ok: true, rooms }
    }
    const call = p.call as SendCall
    const rooms = Array.isArray(p.rooms) ? (p.rooms as string[]) : []
    const text = typeof p.text === 'string' ? p.text : ''
    if (!SEND_CALLS.includes(call)) return fail(sock, 'INVALID_PAYLOAD', 'unknown call')
    const need = callRooms(call)
    if (
      (need === 'one' && rooms.length !== 1) ||
      (need === 'some' && (rooms.length < 1 || rooms.length > 5)) ||
      (need === 'none' && rooms.length > 0) ||
      !rooms.every((r) => ROOM_NAME_PATTERN.test(r)) ||
      text.length < 1 ||
      text.length > 280
    ) {
      return fail(sock, 'INVALID_PAYLOAD', `invalid payload for ${call}`)
    }
    const traceId = `t${++seq}`
    trace(sock, { kind: 'call', ...who(sock), traceId, call, serverLine: serverLine(call, sock.namespace, rooms), rooms, text })
    if (call !== 'socket.emit' && redisUp(sock)) {
      const except = call === 'socket.broadcast.emit' || call === 'socket.to(room).emit' ? [sock.id] : []
      publish(sock.space, sock.instance, { type: 'broadcast', packetType: 'EVENT', event: 'message', traceId, rooms, except }, rooms.length === 1 ? `${rooms[0]}#` : '')
    }

    const reaches = (s: FakeSocket): boolean => {
      if (call === 'socket.emit') return false // the server is the only receiver
      if (s.space !== sock.space || s.namespace !== sock.namespace || !s.connected) return false
      if (!linked(sock.space, sock.namespace, sock.instance, s.instance)) return false
      if (call === 'socket.broadcast.emit' || call === 'socket.to(room).emit') {
        if (s === sock) return false
      }
      if (need === 'none') return true
      return rooms.some((r) => s.rooms.has(r))
    }
    deliver(sock.space, sock.namespace, { traceId, call, from: sock.label, text, rooms }, [...sockets.values()].filter(reaches))
    return { ok: true, traceId }
  }

  return fake
}
