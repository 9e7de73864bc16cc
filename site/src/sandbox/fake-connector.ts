/**
 * An in-memory sandbox cluster for widget tests: instances, spaces, namespaces, rooms, sender
 * exclusion, Redis fan-out (or not) and per-instance traces, all without a network.
 * Everything the "server" does happens on a later macrotask, like real packets.
 */
import {
  createEmitter,
  instanceBase,
  type ClientEventMap,
  type ClientRequestMap,
  type LocalErrorAck,
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
  type ErrorCode,
  type FanoutState,
  type HealthBody,
  type PlaygroundNamespace,
  type SendCall,
  type TraceEvent,
  type TracedSocket,
} from './protocol.ts'

interface FakeSocket {
  id: string
  label: string
  instance: string
  namespace: PlaygroundNamespace
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
}

/** Same lines as the server's `serverLine` (checked by fake-connector.test.ts). */
export function serverLine(call: SendCall, namespace: PlaygroundNamespace, rooms: readonly string[]): string {
  const q = (r: string) => JSON.stringify(r)
  const io = `io.of(${q(namespace)})`
  switch (call) {
    case 'socket.emit':
      return 'socket.on("send", (msg, ack) => ack({ ok: true }))'
    case 'socket.broadcast.emit':
      return 'socket.broadcast.emit("message", msg)'
    case 'socket.to(room).emit':
      return `socket.to(${q(rooms[0] ?? '')}).emit("message", msg)`
    case 'io.to(room).emit':
      return `${io}.to(${q(rooms[0] ?? '')}).emit("message", msg)`
    case 'io.to(rooms).emit':
      return `${io}.to([${rooms.map(q).join(', ')}]).emit("message", msg)`
    case 'io.emit':
      return `${io}.emit("message", msg)`
  }
}

export function createFakeConnector(options: FakeConnectorOptions = {}): FakeConnector {
  const ids = Array.from({ length: options.instances ?? 3 }, (_, n) => `i${n + 1}`)
  const loc = { protocol: 'http:', hostname: 'localhost' }
  const sockets = new Map<string, FakeSocket>()
  const observers = new Set<FakeObserver>()
  const max = options.maxSocketsPerSpace ?? 20
  let seq = 0
  let clock = 1_700_000_000_000
  const later = (fn: () => void) => setTimeout(fn, 0)
  const uid = (prefix: string) => `${prefix}${(++seq).toString(36).padStart(4, '0')}xyzSOCK`

  const fake: FakeConnector = {
    offline: options.offline ?? false,
    fanout: options.fanout ?? 'redis',
    down: new Set(),
    failConnectWith: null,

    async directory() {
      if (fake.offline) throw new Error('sandbox.json: HTTP 404')
      return {
        instances: ids.map((id, n) => ({ id, port: 4001 + n, base: instanceBase(4001 + n, loc) })),
        fanout: fake.fanout === 'local-only' ? 'local-only' : 'redis',
        fallback: false,
      }
    },

    async health(instance): Promise<HealthBody> {
      if (fake.offline || fake.down.has(instance.id)) throw new Error('Failed to fetch')
      return {
        status: 'ok',
        instance: instance.id,
        fanout: fake.fanout,
        redis: fake.fanout === 'redis' ? 'ready' : fake.fanout === 'redis-down' ? 'down' : 'disabled',
        sockets: [...sockets.values()].filter((s) => s.instance === instance.id).length,
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

  function who(s: FakeSocket): TracedSocket & { at: number; instance: string; namespace: PlaygroundNamespace } {
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

  function handle(sock: FakeSocket, event: keyof ClientRequestMap, payload: unknown) {
    const p = (payload ?? {}) as { room?: unknown; call?: unknown; rooms?: unknown; text?: unknown }
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

    const reaches = (s: FakeSocket): boolean => {
      if (call === 'socket.emit') return false // the server is the only receiver
      if (s.space !== sock.space || s.namespace !== sock.namespace || !s.connected) return false
      if (fake.fanout !== 'redis' && s.instance !== sock.instance) return false
      if (call === 'socket.broadcast.emit' || call === 'socket.to(room).emit') {
        if (s === sock) return false
      }
      if (need === 'none') return true
      return rooms.some((r) => s.rooms.has(r))
    }
    const recipients = [...sockets.values()].filter(reaches)
    later(() => {
      // Like the server: an instance reports a delivery only when it wrote to some socket.
      for (const instance of ids) {
        const here = recipients.filter((s) => s.instance === instance)
        if (here.length === 0) continue
        trace({ space: sock.space, instance }, {
          kind: 'delivery',
          at: ++clock,
          instance,
          namespace: sock.namespace,
          traceId,
          recipients: here.map((s) => ({ socketId: s.id, label: s.label })),
        })
      }
      for (const s of recipients) s.emit('message', { traceId, call, from: sock.label, text, rooms })
    })
    return { ok: true, traceId }
  }

  return fake
}
