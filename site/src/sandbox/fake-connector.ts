/**
 * An in-memory sandbox cluster for widget tests: instances, spaces, namespaces, rooms, sender
 * exclusion, Redis fan-out (or not) and per-instance traces, all without a network.
 * Everything the "server" does happens on a later macrotask, like real packets.
 *
 * It follows the server, and `tests/contract` proves it: the same scenarios run against this fake
 * and against real instances joined through Redis. Limits come from the server's default config,
 * payloads are validated by the server's own schemas (`parseOrThrow`, same codes and messages),
 * the space cap is the server's `SpaceRegistry` (per instance, observers included), the rate limit
 * its `TokenBucket`, trace lines its `serverLine()`. This module is test-only (no page imports
 * it), so importing server code, zod included, is fine.
 *
 * Lesson 3's cluster namespaces behave like the real ones: `/with-redis` fans out through "Redis"
 * (and reports `redis` trace events from every watched instance, merged by `key`), `/without-redis`
 * never leaves the sender's instance; `fetchSockets()`, `serverSideEmit()`, `io.to(socketId)`, the
 * per-space outage simulation, and `fake.fetch` for the emitter (`POST /emit`) and Engine.IO
 * long-polling requests (sessions live on the instance that created them).
 */
import { z } from 'zod'
import {
  directPayloadSchema,
  emitPayloadSchema,
  observeAuthSchema,
  parseOrThrow,
  playgroundAuthSchema,
  resolveInstanceConfig,
  roomPayloadSchema,
  SandboxError,
  sendPayloadSchema,
  simulateOutageSchema,
  SpaceRegistry,
  type Admitted,
  TokenBucket,
} from '@realtime-workbook/sandbox-server/rules'
import {
  createEmitter,
  instanceBase,
  type ClientEventMap,
  type ClientRequestMap,
  type ConnectFailure,
  type LocalErrorAck,
  type ObserverEventMap,
  type ResolvedDirectory,
  type SandboxClient,
  type SandboxConnector,
  type SandboxInstance,
  type SandboxObserver,
} from './connector.ts'
import { createFakeSecure } from './fake-secure.ts'
import type { SecureConnector } from './secure-client.ts'
import {
  emitterLine,
  parseSpaceNamespace,
  serverLine,
  spaceNamespace,
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

/** The server's defaults: the limits and the Redis key prefix the fake runs with. */
const SERVER = resolveInstanceConfig()

interface FakeSocket {
  id: string
  label: string
  instance: string
  namespace: LearnerNamespace
  space: string
  rooms: Set<string>
  connected: boolean
  bucket: TokenBucket
  /** What the space registry runs when the socket leaves (its `disconnect` listeners). */
  departures: (() => void)[]
  emit: ReturnType<typeof createEmitter<ClientEventMap>>['emit']
}

interface FakeObserver {
  instance: string
  space: string
  connected: boolean
  departures: (() => void)[]
  emit: ReturnType<typeof createEmitter<ObserverEventMap>>['emit']
}

export interface FakeConnectorOptions {
  instances?: number
  fanout?: FanoutState
  /** When true, `/sandbox.json` and every `/healthz` fail, and connections fail. */
  offline?: boolean
  /** Sockets (clients and observers) one space may hold per instance; default: the server's. */
  maxSocketsPerSpace?: number
  /** Whether the directory lists the Redis emitter (port 4004); default true. */
  emitter?: boolean
}

/** The fake cluster: the shared connector and lesson 4's (`secure-client.ts`) in one object. */
export interface FakeConnector extends SandboxConnector, SecureConnector {
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

const HANDSHAKE_TAIL = '"upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
const CLUSTER_EVENTS = ['cluster:direct', 'cluster:fetch-sockets', 'cluster:server-side-emit'] as const
/** The server's (inline) schema of the payload-less cluster requests. */
const emptyPayloadSchema = z.object({}).strict()

/** The fake runs the server's own `serverLine`: a test-only module may import server code. */
export { serverLine }

/** The cluster's state, shared by the handlers below. */
interface Cluster {
  fake: FakeConnector
  ids: string[]
  sockets: Map<string, FakeSocket>
  observers: Set<FakeObserver>
  registries: Map<string, SpaceRegistry>
  later: (fn: () => void) => void
  uid: (prefix: string) => string
  nextKey: () => string
  clock: () => number
  emitterEnabled: boolean
  /** Messages the emitter sent (its traceIds count from 0, like the real one's). */
  emitted: number
}

/**
 * Creates a fake cluster of `instances` instances (default 3) on ports 4001+.
 *
 * @example
 * const fake = createFakeConnector({ fanout: 'redis' })
 * const [i1] = (await fake.directory()).instances
 * const a = fake.connectClient({ instance: i1, namespace: '/chat', label: 'A', space: 'aaaaaa' })
 */
export function createFakeConnector(options: FakeConnectorOptions = {}): FakeConnector {
  const ids = Array.from({ length: options.instances ?? 3 }, (_, n) => `i${n + 1}`)
  const max = options.maxSocketsPerSpace ?? SERVER.maxSocketsPerSpace
  let seq = 0
  let now = 1_700_000_000_000
  const sessions = new Map<string, string>() // Engine.IO sid -> instance id
  const fake: FakeConnector = {
    offline: options.offline ?? false,
    fanout: options.fanout ?? 'redis',
    down: new Set(),
    failConnectWith: null,
    outages: new Set(),
    directory: async () => directory(cluster),
    fetch: async (input, init) => handleFetch(cluster, sessions, new URL(String(input)), init),
    health: async (instance) => health(cluster, instance.id),
    connectClient: (client) => connectClient(cluster, client),
    observe: ({ instance, space }) => observe(cluster, instance, space),
    sockets: () =>
      [...cluster.sockets.values()].map((s) => ({
        id: s.id,
        label: s.label,
        instance: s.instance,
        namespace: s.namespace,
        space: s.space,
        rooms: [...s.rooms],
      })),
    observerCount: () => cluster.observers.size,
    requestToken: (request) => secure.requestToken(request),
    connectSecure: (request) => secure.connectSecure(request),
    spaceStats: (request) => secure.spaceStats(request),
  }
  const cluster: Cluster = {
    fake,
    ids,
    sockets: new Map(),
    observers: new Set(),
    registries: new Map(
      ids.map((id) => [id, new SpaceRegistry({ maxSocketsPerSpace: max, maxNamespacesPerConnection: SERVER.maxNamespacesPerConnection })]),
    ),
    later: (fn) => void setTimeout(fn, 0),
    // 20 characters, like real socket ids (cluster:direct checks the length).
    uid: (prefix) => `${prefix}${(++seq).toString(36).padStart(4, '0')}xyzSOCKETIDFAKE`,
    nextKey: () => `k${++seq}`,
    clock: () => ++now,
    emitterEnabled: options.emitter !== false,
    emitted: 0,
  }
  const secure = createFakeSecure({
    later: cluster.later,
    uid: cluster.uid,
    fanout: () => fake.fanout,
    unreachable: (instance) =>
      unreachable(cluster, instance) ??
      (fake.failConnectWith ? { code: fake.failConnectWith, message: `rejected: ${fake.failConnectWith}` } : null),
    admit: (who) => admit(cluster, who),
  })
  return fake
}

function directory({ fake, ids, emitterEnabled }: Cluster): ResolvedDirectory {
  if (fake.offline) throw new Error('sandbox.json: HTTP 404')
  const loc = { protocol: 'http:', hostname: 'localhost' }
  const dir: ResolvedDirectory = {
    instances: ids.map((id, n) => ({ id, port: 4001 + n, base: instanceBase(4001 + n, loc) })),
    fanout: fake.fanout === 'local-only' ? 'local-only' : 'redis',
    fallback: false,
  }
  if (emitterEnabled && fake.fanout !== 'local-only') dir.emitter = { port: 4004, base: instanceBase(4004, loc) }
  dir.attacker = { port: 4322, base: instanceBase(4322, loc) }
  return dir
}

function health({ fake, sockets, observers, registries }: Cluster, instance: string): HealthBody {
  if (fake.offline || fake.down.has(instance)) throw new Error('Failed to fetch')
  const here = (s: { instance: string }) => s.instance === instance
  return {
    status: fake.fanout === 'redis-down' ? 'degraded' : 'ok',
    instance,
    fanout: fake.fanout,
    redis: fake.fanout === 'redis' ? 'ready' : fake.fanout === 'redis-down' ? 'down' : 'disabled',
    // Like the server: every connection (Engine.IO client), observers included.
    sockets: [...sockets.values()].filter(here).length + [...observers].filter(here).length,
    spaces: registries.get(instance)?.activeSpaces ?? 0,
    uptimeSeconds: 42,
    slotStreams: 0,
    observers: [...observers].filter(here).length,
  }
}

/** The emitter's `POST /emit` and the instances' Engine.IO polling requests. */
async function handleFetch(cluster: Cluster, sessions: Map<string, string>, url: URL, init?: RequestInit): Promise<Response> {
  const reply = (status: number, body: unknown) => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })
  if (cluster.fake.offline) throw new TypeError('Failed to fetch')
  const port = Number(url.port)
  if (port === 4004 && url.pathname === '/emit' && cluster.emitterEnabled) {
    try {
      const raw: unknown = JSON.parse(String(init?.body ?? ''))
      const { space, text, room } = parseOrThrow(emitPayloadSchema, raw, '', 'body')
      return reply(200, emitterEmit(cluster, space, text, room))
    } catch (thrown) {
      const error = thrown instanceof SyntaxError ? new SandboxError('INVALID_PAYLOAD', 'the body must be JSON') : SandboxError.from(thrown)
      return reply(error.code === 'INTERNAL' ? 500 : 400, error.toAck())
    }
  }
  const instance = cluster.ids[port - 4001]
  if (!instance || cluster.fake.down.has(instance) || url.pathname !== '/socket.io/') throw new TypeError('Failed to fetch')
  const sid = url.searchParams.get('sid')
  if (!sid) {
    const created = cluster.uid('E')
    sessions.set(created, instance)
    return reply(200, `0{"sid":"${created}",${HANDSHAKE_TAIL}`)
  }
  if (sessions.get(sid) !== instance) return reply(400, '{"code":1,"message":"Session ID unknown"}')
  return reply(200, init?.method === 'POST' ? 'ok' : `40{"sid":"${cluster.uid('s')}"}`)
}

/** The server's refusal of an auth object that fails its schema (its middlewares' wording). */
function invalidHandshake(
  who: 'playground' | 'observer',
  issues: readonly { path: (string | number)[]; message: string }[],
): ConnectFailure {
  const detail = issues.map((issue) => `${issue.path.join('.') || 'auth'}: ${issue.message}`).join('; ')
  return new SandboxError('INVALID_HANDSHAKE', `${who} auth is invalid: ${detail}`).toBody()
}

/** Why a connection to `instance` fails before any server rule: the network, or a test's wish. */
function unreachable({ fake }: Cluster, instance: string): ConnectFailure | null {
  return fake.offline || fake.down.has(instance) ? { code: 'CONNECT_FAILED', message: 'xhr poll error' } : null
}

/** Counts a socket or observer in its space on its instance (the server's registry), or refuses it. */
function admit(cluster: Cluster, who: { instance: string; space: string; departures: (() => void)[] }): ConnectFailure | null {
  const registry = cluster.registries.get(who.instance)
  // Every widget socket is opened with forceNew: one Engine.IO connection each, which never closes
  // before its socket disconnects, so the departure listener is the only release that matters.
  // Connected at once, as the fake's sockets are; Socket.IO calls a listener with the socket as `this`.
  const socket: Admitted = {
    conn: { readyState: 'open' },
    connected: true,
    on: (_event, listener) => who.departures.push(() => listener.call(socket)),
  }
  try {
    registry?.admit(who.space, socket)
  } catch (error) {
    return SandboxError.from(error).toBody()
  }
  return null
}

function clientRefusal(cluster: Cluster, sock: FakeSocket): ConnectFailure | null {
  const failure = unreachable(cluster, sock.instance)
  if (failure) return failure
  const forced = cluster.fake.failConnectWith
  if (forced) return { code: forced, message: `rejected: ${forced}` }
  // socket.io refuses a namespace no `io.of()` matches, with no code of the sandbox's.
  if (!parseSpaceNamespace(spaceNamespace(sock.space, sock.namespace))) return { code: 'CONNECT_FAILED', message: 'Invalid namespace' }
  const auth = playgroundAuthSchema.safeParse({ label: sock.label })
  if (!auth.success) return invalidHandshake('playground', auth.error.issues)
  return admit(cluster, sock)
}

function connectClient(
  cluster: Cluster,
  { instance, namespace, label, space }: Parameters<SandboxConnector['connectClient']>[0],
): SandboxClient {
  const emitter = createEmitter<ClientEventMap>()
  const sock: FakeSocket = {
    id: cluster.uid('s'),
    label,
    instance: instance.id,
    namespace,
    space,
    rooms: new Set(),
    connected: false,
    bucket: new TokenBucket(SERVER.eventsPerSecond, SERVER.eventBurst),
    departures: [],
    emit: emitter.emit,
  }
  let closed = false
  cluster.later(() => {
    if (closed) return
    const failure = clientRefusal(cluster, sock)
    if (failure) return emitter.emit('connect_error', failure)
    sock.connected = true
    cluster.sockets.set(sock.id, sock)
    emitter.emit('hello', { instance: instance.id, socketId: sock.id, namespace, space, fanout: cluster.fake.fanout })
    trace(cluster, sock, { kind: 'connect', ...who(cluster, sock) })
  })
  return {
    label,
    instance,
    namespace,
    on: emitter.on,
    request<K extends keyof ClientRequestMap>(event: K, payload: ClientRequestMap[K][0]) {
      return new Promise<ClientRequestMap[K][1] | LocalErrorAck>((resolve) => {
        cluster.later(() => {
          if (!sock.connected) return resolve({ error: { code: 'DISCONNECTED', message: 'this client is not connected' } })
          resolve(dispatch(cluster, sock, event, payload) as ClientRequestMap[K][1])
        })
      })
    },
    close() {
      closed = true
      emitter.clear()
      if (!sock.connected) return
      sock.connected = false
      cluster.sockets.delete(sock.id)
      for (const departed of sock.departures.splice(0)) departed()
      trace(cluster, sock, { kind: 'disconnect', ...who(cluster, sock), reason: 'client namespace disconnect' })
    },
  }
}

function observe(cluster: Cluster, instance: SandboxInstance, space: string): SandboxObserver {
  const instanceId = instance.id
  const emitter = createEmitter<ObserverEventMap>()
  const obs: FakeObserver = { instance: instanceId, space, connected: false, departures: [], emit: emitter.emit }
  let closed = false
  cluster.later(() => {
    if (closed) return
    const auth = observeAuthSchema.safeParse({ space })
    const failure =
      unreachable(cluster, instanceId) ?? (auth.success ? admit(cluster, obs) : invalidHandshake('observer', auth.error.issues))
    if (failure) return emitter.emit('connect_error', failure)
    obs.connected = true
    cluster.observers.add(obs)
    emitter.emit('hello', { instance: instanceId, socketId: cluster.uid('o'), namespace: '/observe', space, fanout: cluster.fake.fanout })
  })
  const where = `${space}@${instanceId}`
  return {
    instance,
    on: emitter.on,
    simulateOutage(down) {
      return new Promise((resolve) => {
        cluster.later(() => {
          if (!obs.connected) return resolve({ error: { code: 'DISCONNECTED', message: 'this observer is not connected' } })
          const parsed = simulateOutageSchema.safeParse({ down })
          if (!parsed.success)
            return resolve(new SandboxError('INVALID_PAYLOAD', 'redis:simulate-outage: expected { down: true | false }').toAck())
          cluster.fake.outages[parsed.data.down ? 'add' : 'delete'](where)
          trace(cluster, obs, {
            kind: 'outage',
            at: cluster.clock(),
            instance: instanceId,
            namespace: '/with-redis',
            down: parsed.data.down,
          })
          resolve({ ok: true, down: parsed.data.down })
        })
      })
    },
    close() {
      closed = true
      emitter.clear()
      if (!obs.connected) return
      obs.connected = false
      cluster.observers.delete(obs)
      for (const departed of obs.departures.splice(0)) departed()
      // Like the server: a simulated outage belongs to its watcher and ends when the last one leaves.
      if (![...cluster.observers].some((o) => o.space === space && o.instance === instanceId)) cluster.fake.outages.delete(where)
    },
  }
}

function who(cluster: Cluster, s: FakeSocket): TracedSocket & { at: number; instance: string; namespace: LearnerNamespace } {
  return { at: cluster.clock(), instance: s.instance, namespace: s.namespace, socketId: s.id, label: s.label }
}

/** Sends `event` to the observers of `s.space` connected to the instance that saw it. */
function trace(cluster: Cluster, s: { space: string }, event: TraceEvent): void {
  for (const o of cluster.observers) {
    if (o.connected && o.space === s.space && o.instance === event.instance) o.emit('trace', event)
  }
}

/** The server's dispatch: rate limit, then the event's handler with its schema; errors become acks and traces. */
function dispatch(cluster: Cluster, sock: FakeSocket, event: string, payload: unknown): unknown {
  const handlers = handlersOf(cluster, sock)
  try {
    if (!sock.bucket.take()) throw new SandboxError('RATE_LIMITED', 'too many events: slow down and try again in a second')
    const handler = handlers.get(event)
    if (!handler) throw new SandboxError('UNKNOWN_EVENT', `unknown event "${event.slice(0, 40)}": use ${[...handlers.keys()].join(', ')}`)
    return handler(payload)
  } catch (thrown) {
    const error = SandboxError.from(thrown)
    trace(cluster, sock, { kind: 'error', ...who(cluster, sock), code: error.code, message: error.message })
    return error.toAck()
  }
}

/** The events a socket answers, in the order the server registers them. */
function handlersOf(cluster: Cluster, sock: FakeSocket): Map<string, (payload: unknown) => unknown> {
  const handlers = new Map<string, (payload: unknown) => unknown>([
    ['room:join', (p) => changeRoom(cluster, sock, 'join', parseOrThrow(roomPayloadSchema, p, 'room:join: ').room)],
    ['room:leave', (p) => changeRoom(cluster, sock, 'leave', parseOrThrow(roomPayloadSchema, p, 'room:leave: ').room)],
    ['send', (p) => send(cluster, sock, parseOrThrow(sendPayloadSchema, p, 'send: '))],
  ])
  if (sock.namespace !== '/with-redis' && sock.namespace !== '/without-redis') return handlers
  const [direct, fetchSockets, serverSideEmit] = CLUSTER_EVENTS
  handlers.set(direct, (p) => clusterDirect(cluster, sock, parseOrThrow(directPayloadSchema, p, `${direct}: `)))
  handlers.set(fetchSockets, (p) => {
    parseOrThrow(emptyPayloadSchema, p, `${fetchSockets}: `)
    return clusterFetchSockets(cluster, sock)
  })
  handlers.set(serverSideEmit, (p) => {
    parseOrThrow(emptyPayloadSchema, p, `${serverSideEmit}: `)
    return clusterServerSideEmit(cluster, sock)
  })
  return handlers
}

function changeRoom(cluster: Cluster, sock: FakeSocket, kind: 'join' | 'leave', room: string) {
  if (kind === 'join') {
    if (!sock.rooms.has(room) && sock.rooms.size >= SERVER.maxRoomsPerSocket) {
      throw new SandboxError('ROOM_LIMIT', `a socket may sit in at most ${SERVER.maxRoomsPerSocket} rooms`)
    }
    sock.rooms.add(room)
  } else sock.rooms.delete(room)
  const rooms = [...sock.rooms].sort()
  trace(cluster, sock, { kind, ...who(cluster, sock), room, rooms })
  return { ok: true as const, rooms }
}

/** Whether a packet of `space`/`namespace` published on instance `from` reaches instance `to`. */
function linked({ fake }: Cluster, space: string, namespace: LearnerNamespace, from: string, to: string): boolean {
  if (from === to) return true
  if (fake.fanout !== 'redis' || namespace === '/without-redis') return false
  return namespace !== '/with-redis' || (!fake.outages.has(`${space}@${from}`) && !fake.outages.has(`${space}@${to}`))
}

/** Whether `s`'s instance can publish to Redis for its `/with-redis` namespace. */
const redisUp = ({ fake }: Cluster, s: { space: string; namespace: LearnerNamespace; instance: string }) =>
  s.namespace === '/with-redis' && fake.fanout === 'redis' && !fake.outages.has(`${s.space}@${s.instance}`)

function send(cluster: Cluster, sock: FakeSocket, { call, rooms, text }: { call: SendCall; rooms: string[]; text: string }) {
  const traceId = cluster.uid('t')
  trace(cluster, sock, {
    kind: 'call',
    ...who(cluster, sock),
    traceId,
    call,
    serverLine: serverLine(call, sock.namespace, rooms),
    rooms,
    text,
  })
  const excludesSender = call === 'socket.broadcast.emit' || call === 'socket.to(room).emit'
  if (call !== 'socket.emit' && redisUp(cluster, sock)) {
    const except = excludesSender ? [sock.id] : []
    publish(
      cluster,
      sock.space,
      sock.instance,
      { type: 'broadcast', packetType: 'EVENT', event: 'message', traceId, rooms, except },
      rooms.length === 1 ? `${rooms[0]}#` : '',
    )
  }
  const reaches = (s: FakeSocket): boolean =>
    call !== 'socket.emit' && // the server is the only receiver
    s.space === sock.space &&
    s.namespace === sock.namespace &&
    s.connected &&
    linked(cluster, sock.space, sock.namespace, sock.instance, s.instance) &&
    !(excludesSender && s === sock) &&
    (rooms.length === 0 || rooms.some((r) => s.rooms.has(r)))
  deliver(
    cluster,
    sock.space,
    sock.namespace,
    { traceId, call, from: sock.label, text, rooms },
    [...cluster.sockets.values()].filter(reaches),
  )
  return { ok: true as const, traceId }
}

/** Reports one Redis message from every watched instance's tap, like the real tap does. */
function publish(
  cluster: Cluster,
  space: string,
  publisher: string | null,
  fields: Partial<RedisTraffic> & Pick<RedisTraffic, 'type' | 'packetType'>,
  suffix = '',
): void {
  const prefix = fields.type === 'broadcast' ? SERVER.keyPrefix : `${SERVER.keyPrefix}-${fields.type}`
  const traffic: RedisTraffic = {
    key: cluster.nextKey(),
    channel: `${prefix}#${spaceNamespace(space, '/with-redis')}#${suffix}`,
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
  cluster.later(() => {
    for (const instance of cluster.ids) {
      const publishedBy = publisher === 'emitter' || publisher === instance || fields.type === 'response' ? publisher : null
      // Like the real adapter: an instance is subscribed only while it hosts the namespace.
      const subscribed = hosts(cluster, space, '/with-redis').includes(instance)
      trace(
        cluster,
        { space },
        { kind: 'redis', at: cluster.clock(), instance, namespace: '/with-redis', ...traffic, publishedBy, subscribed },
      )
    }
  })
}

/** Instances with at least one socket of `space`'s `namespace`: those whose adapter exists. */
function hosts(cluster: Cluster, space: string, namespace: LearnerNamespace): string[] {
  return cluster.ids.filter((id) =>
    [...cluster.sockets.values()].some((s) => s.space === space && s.namespace === namespace && s.instance === id && s.connected),
  )
}

/** Writes `msg` to `recipients` with one delivery trace per instance, on a later macrotask. */
function deliver(cluster: Cluster, space: string, namespace: LearnerNamespace, msg: MessageEvent, recipients: FakeSocket[]): void {
  cluster.later(() => {
    // Like the server: an instance reports a delivery only when it wrote to some socket.
    for (const instance of cluster.ids) {
      const here = recipients.filter((s) => s.instance === instance)
      if (here.length === 0) continue
      const event: TraceEvent = {
        kind: 'delivery',
        at: cluster.clock(),
        instance,
        namespace,
        traceId: msg.traceId,
        recipients: here.map((s) => ({ socketId: s.id, label: s.label })),
      }
      trace(cluster, { space }, event)
    }
    for (const s of recipients) if (s.connected) s.emit('message', msg)
  })
}

function emitterEmit(cluster: Cluster, space: string, text: string, room?: string) {
  const msg: MessageEvent = {
    traceId: `emitter.${(cluster.emitted++).toString(36)}`,
    call: 'emitter.emit',
    from: 'emitter',
    text,
    rooms: room ? [room] : [],
  }
  const { fake } = cluster
  if (fake.fanout === 'redis') {
    publish(
      cluster,
      space,
      'emitter',
      { type: 'broadcast', packetType: 'EVENT', event: 'message', traceId: msg.traceId, rooms: msg.rooms },
      room ? `${room}#` : '',
    )
    const reaches = (s: FakeSocket) =>
      s.space === space &&
      s.namespace === '/with-redis' &&
      s.connected &&
      !fake.outages.has(`${space}@${s.instance}`) &&
      (!room || s.rooms.has(room))
    deliver(cluster, space, '/with-redis', msg, [...cluster.sockets.values()].filter(reaches))
  }
  return { ok: true, traceId: msg.traceId, line: emitterLine(room) }
}

function clusterDirect(cluster: Cluster, sock: FakeSocket, { to, text }: { to: string; text: string }) {
  const msg: MessageEvent = { traceId: cluster.uid('t'), call: 'io.to(socketId).emit', from: sock.label, text, rooms: [] }
  const line = `io.of(${JSON.stringify(sock.namespace)}).to(${JSON.stringify(to)}).emit("message", msg)`
  trace(cluster, sock, { kind: 'call', ...who(cluster, sock), traceId: msg.traceId, call: msg.call, serverLine: line, rooms: [], text })
  if (redisUp(cluster, sock))
    publish(
      cluster,
      sock.space,
      sock.instance,
      { type: 'broadcast', packetType: 'EVENT', event: 'message', traceId: msg.traceId, rooms: [to] },
      `${to}#`,
    )
  const target = cluster.sockets.get(to)
  const reached =
    target &&
    target.space === sock.space &&
    target.namespace === sock.namespace &&
    linked(cluster, sock.space, sock.namespace, sock.instance, target.instance)
  deliver(cluster, sock.space, sock.namespace, msg, reached ? [target] : [])
  return { ok: true as const, traceId: msg.traceId }
}

/** The server's CLUSTER_TIMEOUT wording around the adapter's own reason. */
const clusterTimeout = (reason: string) =>
  new SandboxError('CLUSTER_TIMEOUT', `could not get the other instances to answer (${reason}): is Redis down?`)

/**
 * The instances that answer a cluster request from `sock`, as the server's adapters decide:
 * only its own without Redis; with Redis, every instance hosting the namespace, or a
 * CLUSTER_TIMEOUT when the request cannot be published or a host cannot answer (the real one
 * fails after the adapter's 2 s timeout, the fake at once).
 */
function answeringInstances(cluster: Cluster, sock: FakeSocket, packetType: 'REMOTE_FETCH' | 'SERVER_SIDE_EMIT'): string[] {
  const { fake } = cluster
  if (sock.namespace !== '/with-redis' || fake.fanout === 'local-only') return [sock.instance]
  if (fake.fanout === 'redis-down') throw clusterTimeout('Redis is down: the request cannot be published')
  if (!redisUp(cluster, sock)) throw clusterTimeout('Redis is down (simulated): the request cannot be published')
  publish(cluster, sock.space, sock.instance, { type: 'request', packetType })
  const others = hosts(cluster, sock.space, sock.namespace).filter((id) => id !== sock.instance)
  if (others.some((id) => fake.outages.has(`${sock.space}@${id}`))) throw clusterTimeout('timeout reached: an instance did not answer')
  // Like the tap: a response names the instance that answered (read from the answer itself).
  for (const id of others) publish(cluster, sock.space, id, { type: 'response', packetType: 'RESPONSE' })
  return [sock.instance, ...others]
}

/** The connected sockets of `sock`'s space and namespace on `instances`. */
const peersOn = (cluster: Cluster, sock: FakeSocket, instances: string[]) =>
  [...cluster.sockets.values()].filter(
    (s) => s.space === sock.space && s.namespace === sock.namespace && s.connected && instances.includes(s.instance),
  )

function clusterFetchSockets(cluster: Cluster, sock: FakeSocket) {
  const sockets = peersOn(cluster, sock, answeringInstances(cluster, sock, 'REMOTE_FETCH'))
    .map((s) => ({ socketId: s.id, label: s.label, instance: s.instance, rooms: [...s.rooms].sort() }))
    .sort((a, b) => a.label.localeCompare(b.label))
  return { ok: true as const, sockets }
}

function clusterServerSideEmit(cluster: Cluster, sock: FakeSocket) {
  // Like serverSideEmit(): the other instances answer, never the caller's own.
  const answering = answeringInstances(cluster, sock, 'SERVER_SIDE_EMIT').filter((instance) => instance !== sock.instance)
  const answers = answering.map((instance) => ({ instance, sockets: peersOn(cluster, sock, [instance]).length }))
  return { ok: true as const, answers: answers.sort((a, b) => a.instance.localeCompare(b.instance)) }
}
