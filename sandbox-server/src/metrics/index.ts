/**
 * Prometheus metrics of one instance (prom-client), on a Registry of its own so several
 * instances in one process (the tests) never share a counter.
 *
 * Labels are bounded by construction: a namespace KIND (`chat`, `admin`, `with-redis`,
 * `without-redis`, `observe`, ... see {@link namespaceKind}), never a space code or a socket id;
 * an error code from the protocol's `ERROR_CODES` (anything else counts as `OTHER`); a
 * disconnect reason from Socket.IO's fixed list (else `other`).
 *
 * Where each number comes from:
 * - sockets, connects, disconnects, events in: listeners that {@link SandboxMetrics.instrument}
 *   puts on every socket of every namespace (`onAny`), so a new namespace is counted with no code
 *   of its own;
 * - events out: once per broadcast by each namespace's adapter, with its number of recipients on
 *   this instance (see {@link countBroadcasts}), plus each socket's own `emit` calls;
 * - rejected handshakes ({@link SandboxMetrics.rejectedHandshake}): every `CONNECT_ERROR` packet
 *   an Engine.IO connection writes (`onConnectError` in src/errors: whoever's middleware refused,
 *   Socket.IO's own "Invalid namespace" included), plus the Engine.IO guard's HTTP refusals;
 * - oversized packets ({@link SandboxMetrics.oversizedPacket}): the Engine.IO guard, which sees
 *   the 413 of a polling POST and the close of a WebSocket that `ws` shut with 1009;
 * - refused events and rate limiting: the playground's event registrar, the one place an event's
 *   error becomes an ack ({@link SandboxMetrics.refusedEvent});
 * - ack round trip (`socketio_ack_duration_seconds`): from the server's view, the time from
 *   receiving an event that carries an ack callback to calling that callback (validation, rate
 *   limiting, the handler, the broadcast hand-off): what a client waits for minus the network.
 *
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { Socket, type Namespace, type Server } from 'socket.io'
import {
  ADMIN_UI_NAMESPACE,
  ERROR_CODES,
  OBSERVE_NAMESPACE,
  parseSpaceNamespace,
  SPACE_CODE_PATTERN,
  type SpaceStats,
} from '../protocol/index.ts'
import { SpaceStatsBook, type SpaceCounters } from './space-stats.ts'

/** Histogram buckets of the ack round trip, in seconds: 1 ms to 500 ms, and one beyond. */
export const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

/** Socket.IO's server-side disconnect reasons (socket.io 4.8); others count as `other`. */
const DISCONNECT_REASONS = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'parse error',
  'server shutting down',
  'forced server close',
  'client namespace disconnect',
  'server namespace disconnect',
])

const KNOWN_CODES = new Set<string>(ERROR_CODES)

/**
 * The label of a namespace: the learner namespace without its space (`/s/k7q2mx/chat` -> `chat`),
 * `observe`, `admin-ui` (the instructor's Admin UI, an observer too), `main` for `/`, `other` for anything else (a namespace added later gets its own
 * kind by adding it here).
 *
 * @example
 * namespaceKind('/s/k7q2mx/with-redis') // => 'with-redis'
 */
export function namespaceKind(name: string): string {
  const learner = parseSpaceNamespace(name)?.namespace
  if (learner) return learner.slice(1)
  if (name === OBSERVE_NAMESPACE) return 'observe'
  if (name === ADMIN_UI_NAMESPACE) return 'admin-ui'
  if (name === '/') return 'main'
  return splitSpaceNamespace(name)?.namespace.slice(1) ?? 'other'
}

/**
 * The space and namespace of any `/s/<space>/<name>` namespace, including ones the protocol's
 * learner list does not have yet (e.g. `/secure`), or `null`.
 *
 * @example
 * splitSpaceNamespace('/s/k7q2mx/secure') // => { space: 'k7q2mx', namespace: '/secure' }
 */
export function splitSpaceNamespace(name: string): { space: string; namespace: string } | null {
  const match = /^\/s\/([^/]+)(\/[a-z-]{1,16})$/.exec(name)
  return match?.[1] && match[2] && SPACE_CODE_PATTERN.test(match[1]) ? { space: match[1], namespace: match[2] } : null
}

/** A code as a label value: a protocol code, or `OTHER`. */
const codeLabel = (code: string): string => (KNOWN_CODES.has(code) ? code : 'OTHER')

export interface SandboxMetrics {
  /** `null` when metrics are off (`SANDBOX_METRICS=0`): every method is then a no-op. */
  readonly registry: Registry | null
  /** Counts sockets, events and acks of every namespace of `io`. */
  instrument(io: Server): void
  /**
   * A refused handshake: `engine` (the Engine.IO guard, before any namespace: `FORBIDDEN_ORIGIN`,
   * ...) or `namespace` (a `connect_error`, seen through `onConnectError` in src/errors).
   */
  rejectedHandshake(stage: 'engine' | 'namespace', code: string, space?: string): void
  /** An Engine.IO packet over `maxHttpBufferSize`, and the space its request named, if any. */
  oversizedPacket(transport: 'polling' | 'websocket', space?: string): void
  /** An event answered with an error (`RATE_LIMITED` also counts in the rate-limited counter). */
  refusedEvent(namespace: string, code: string): void
  /** Wraps a Redis client's publish commands so each adapter publish is counted. */
  countPublishes(client: PublishingClient): void
  /** One space's figures for the lab's monitoring panel (`GET /s/<space>/stats`). */
  spaceStats(space: string): SpaceStats
  /** Learner events in and out per second on this instance (every space), or `null` when metrics are off (nothing is counted). */
  traffic(): InstanceTraffic | null
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; text: string }>
}

/** The instance's learner traffic, averaged over the last `windowSeconds` whole seconds. */
export interface InstanceTraffic {
  eventsInPerSecond: number
  eventsOutPerSecond: number
  windowSeconds: number
}

/** The part of an ioredis client the adapters publish with. */
export interface PublishingClient {
  publish(...args: never[]): unknown
  spublish(...args: never[]): unknown
}

/** Events in and out of one namespace kind: plain numbers on the hot path, read at scrape time. */
interface Tally {
  received: number
  sent: number
}

/**
 * A counter by namespace kind whose value is read from `tallies` when scraped: a fan-out writes
 * one event per recipient, and `counter.labels(kind).inc()` hashes its labels on every call.
 */
function tallyCounter(registry: Registry, name: string, help: string, tallies: Map<string, Tally>, field: keyof Tally): Counter {
  return new Counter({
    name,
    help,
    labelNames: ['namespace'],
    registers: [registry],
    collect(this: Counter) {
      this.reset()
      for (const [namespace, tally] of tallies) this.inc({ namespace }, tally[field])
    },
  })
}

/** The instruments, created on one registry. */
function createInstruments(registry: Registry, tallies: Map<string, Tally>) {
  const registers = [registry]
  return {
    connected: new Gauge({
      name: 'socketio_connected_sockets',
      help: 'Sockets connected now, by namespace kind',
      labelNames: ['namespace'],
      registers,
    }),
    connects: new Counter({
      name: 'socketio_connects_total',
      help: 'Sockets connected, by namespace kind',
      labelNames: ['namespace'],
      registers,
    }),
    disconnects: new Counter({
      name: 'socketio_disconnects_total',
      help: 'Sockets disconnected, by namespace kind and reason',
      labelNames: ['namespace', 'reason'],
      registers,
    }),
    received: tallyCounter(registry, 'socketio_events_received_total', 'Events received from clients', tallies, 'received'),
    sent: tallyCounter(
      registry,
      'socketio_events_sent_total',
      'Events written to clients (a broadcast counts once per recipient)',
      tallies,
      'sent',
    ),
    rejected: new Counter({
      name: 'socketio_rejected_handshakes_total',
      help: 'Handshakes refused, by stage (engine, namespace) and error code',
      labelNames: ['stage', 'code'],
      registers,
    }),
    oversized: new Counter({
      name: 'socketio_oversized_packets_total',
      help: 'Engine.IO packets refused for being over maxHttpBufferSize, by transport (polling: 413, websocket: close 1009)',
      labelNames: ['transport'],
      registers,
    }),
    refused: new Counter({
      name: 'socketio_refused_events_total',
      help: 'Events answered with an error, by namespace kind and code',
      labelNames: ['namespace', 'code'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'socketio_rate_limited_events_total',
      help: 'Events refused with RATE_LIMITED',
      labelNames: ['namespace'],
      registers,
    }),
    publishes: new Counter({
      name: 'socketio_adapter_publishes_total',
      help: 'Messages the Redis adapters published (PUBLISH, SPUBLISH)',
      labelNames: ['command'],
      registers,
    }),
    ack: new Histogram({
      name: 'socketio_ack_duration_seconds',
      help: 'Server time from receiving an event with an ack to calling the ack',
      labelNames: ['namespace'],
      buckets: ACK_BUCKETS,
      registers,
    }),
  }
}
type Instruments = ReturnType<typeof createInstruments>

/** What the listeners of one namespace share: its kind, its tally, its space (none for `/observe`). */
interface Meter {
  kind: string
  tally: Tally
  /** The space of an `/s/<space>/...` namespace (`null` for `/observe`, `/`, ...). */
  space: string | null
  book: SpaceStatsBook
  /** Counts `n` events written to sockets of this namespace. */
  sent(n: number): void
  /** False when the adapter's broadcasts could not be counted: each socket counts what it is sent. */
  broadcastsCounted: boolean
}

/**
 * The meter of a namespace: its `sent` counts in the Prometheus tally, the space's rate and the
 * instance's rate, with one clock read per call (a broadcast's recipients in one call).
 */
function createMeter(nsp: Namespace, kind: string, tally: Tally, book: SpaceStatsBook): Meter {
  const space = kind === 'observe' ? null : (splitSpaceNamespace(nsp.name)?.space ?? null)
  const sent = (n: number): void => {
    tally.sent += n
    if (space === null) return
    const second = book.second
    book.traffic.sent.add(second, n)
    book.find(space)?.sent.add(second, n)
  }
  return { kind, tally, space, book, sent, broadcastsCounted: countBroadcasts(nsp.adapter, sent) }
}

const isCallback = (value: unknown): value is (socket: unknown) => void => typeof value === 'function'

/**
 * Counts what a namespace's adapter broadcasts, once per broadcast with its number of recipients
 * on this instance, instead of a listener call per recipient (a fan-out to 1,000 sockets was 1,000
 * `onAnyOutgoing` calls and clock reads: the fan-out benchmark's deliveries per CPU-second with
 * metrics on were 0.91 of those with metrics off, 1.03 without that listener; scripts/bench-fanout).
 *
 * Every broadcast an instance writes, emitted here or received through Redis (the adapters'
 * `super.broadcast()`), runs the in-memory adapter's `broadcast()` or `broadcastWithAck()`: they
 * encode the packet once (`_encode`), then visit each recipient (`apply`). `apply` also serves
 * `fetchSockets()`, `socketsJoin()`..., so only the `apply` right after an `_encode` counts. Both
 * are private in socket.io-adapter's typings (2.5), hence `Reflect`; when one is missing (a future
 * version), this returns `false` and each socket counts what it is sent (`onAnyOutgoing`, slower).
 * test/metrics.test.ts checks the counts of a broadcast that crosses Redis.
 */
function countBroadcasts(adapter: object, sent: (recipients: number) => void): boolean {
  const encode: unknown = Reflect.get(adapter, '_encode')
  const apply: unknown = Reflect.get(adapter, 'apply')
  if (typeof encode !== 'function' || typeof apply !== 'function') return false
  let broadcasting = false
  Reflect.set(adapter, '_encode', function (this: unknown, ...args: unknown[]): unknown {
    broadcasting = true
    return Reflect.apply(encode, this, args)
  })
  Reflect.set(adapter, 'apply', function (this: unknown, opts: unknown, callback: unknown): void {
    if (!broadcasting || !isCallback(callback)) return void Reflect.apply(apply, this, [opts, callback])
    broadcasting = false
    let recipients = 0
    Reflect.apply(apply, this, [
      opts,
      (socket: unknown) => {
        recipients += 1
        callback(socket)
      },
    ])
    if (recipients > 0) sent(recipients)
  })
  return true
}

/**
 * The per-socket listeners of one namespace, made once per namespace and shared by its sockets
 * (Socket.IO and EventEmitter call them with the socket as `this`): an idle socket keeps no
 * closure of its own here, only its entries in the listener lists. A socket's space counters are
 * looked up when used (one Map lookup), and `counted` remembers the sockets a space counted.
 */
function createSocketListeners(m: Instruments, meter: Meter) {
  const { kind, tally, book } = meter
  const all = meter.space === null ? null : book.traffic
  const spaceOf = (): SpaceCounters | null => (meter.space === null ? null : book.find(meter.space))
  const histogram = m.ack.labels(kind)
  const counted = new WeakSet<Socket>()
  const socketEmit: unknown = Reflect.get(Socket.prototype, 'emit')
  return {
    counted,
    /** Events in, on this socket (an `onAny` listener). */
    received(): void {
      tally.received += 1
      if (!all) return
      const second = book.second
      all.received.add(second)
      spaceOf()?.received.add(second)
    },
    /** `socket.emit` counting itself (hello included); broadcasts are counted by the adapter. */
    emit(this: Socket, ...args: unknown[]): unknown {
      const written: unknown = Reflect.apply(socketEmit as (...a: unknown[]) => unknown, this, args)
      meter.sent(1)
      return written
    },
    /** Socket middleware sees the event's arguments before any handler: swaps its ack for a timed one. */
    timeAcks(packet: unknown[], next: (err?: Error) => void): void {
      const last = packet.length - 1
      const callback = packet[last]
      if (typeof callback === 'function') {
        const started = performance.now()
        packet[last] = (...args: unknown[]) => {
          const ms = performance.now() - started
          histogram.observe(ms / 1000)
          all?.ack(ms)
          spaceOf()?.ack(ms)
          Reflect.apply(callback, undefined, args)
        }
      }
      next()
    },
    disconnected(this: Socket, reason: string): void {
      if (meter.space !== null) meter.book.totals.connections -= 1
      if (counted.has(this)) {
        counted.delete(this)
        const space = spaceOf()
        if (space) space.sockets -= 1
      }
      m.connected.labels(kind).dec()
      m.disconnects.labels(kind, DISCONNECT_REASONS.has(reason) ? reason : 'other').inc()
    },
  }
}
type SocketListeners = ReturnType<typeof createSocketListeners>

/** Per-socket counting: connected gauge, events in, direct emits, ack timing, disconnect reason (listeners shared per namespace). */
function instrumentSocket(m: Instruments, socket: Socket, meter: Meter, listeners: SocketListeners): void {
  m.connects.labels(meter.kind).inc()
  m.connected.labels(meter.kind).inc()
  if (meter.space !== null) meter.book.totals.connections += 1
  const space: SpaceCounters | null = meter.space === null ? null : meter.book.space(meter.space)
  if (space) {
    space.sockets += 1
    listeners.counted.add(socket)
  }
  socket.onAny(listeners.received)
  // Without the adapter's count, each socket counts what it is sent (slower, see countBroadcasts).
  if (!meter.broadcastsCounted) socket.onAnyOutgoing(() => meter.sent(1))
  else Reflect.set(socket, 'emit', listeners.emit)
  socket.use(listeners.timeAcks)
  socket.on('disconnect', listeners.disconnected)
}

/**
 * Creates an instance's metrics (or no-ops when `enabled` is false).
 *
 * @example
 * const metrics = createMetrics({ enabled: true })
 * metrics.instrument(io)
 * const { text } = await metrics.scrape() // "# HELP socketio_connected_sockets ..."
 */
export function createMetrics(options: { enabled: boolean; instanceId?: string }): SandboxMetrics {
  const book = new SpaceStatsBook(options.instanceId ?? 'i1')
  if (!options.enabled) {
    return {
      registry: null,
      instrument: () => undefined,
      rejectedHandshake: () => undefined,
      oversizedPacket: () => undefined,
      refusedEvent: () => undefined,
      countPublishes: () => undefined,
      spaceStats: (space) => book.read(space),
      traffic: () => null,
      scrape: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
    }
  }
  const registry = new Registry()
  // The event-loop delay monitor samples every 100 ms, not prom-client's 10 ms: 10 ms wakes an
  // idle instance 100 times a second, and p50/p99 over a scrape interval need no finer grain.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 })
  const tallies = new Map<string, Tally>()
  const tallyOf = (kind: string): Tally => {
    let tally = tallies.get(kind)
    if (!tally) tallies.set(kind, (tally = { received: 0, sent: 0 }))
    return tally
  }
  const m = createInstruments(registry, tallies)
  // Both series from the start: a rate over a series that appears at its first packet misses that packet.
  for (const transport of ['polling', 'websocket']) m.oversized.inc({ transport }, 0)
  return {
    registry,
    instrument(io) {
      const onNamespace = (nsp: Namespace): void => {
        const kind = namespaceKind(nsp.name)
        const meter = createMeter(nsp, kind, tallyOf(kind), book)
        const listeners = createSocketListeners(m, meter)
        // Prepended: a child namespace already holds its parent's handlers, which emit at once (hello).
        nsp.prependListener('connection', (socket: Socket) => instrumentSocket(m, socket, meter, listeners))
      }
      for (const nsp of io._nsps.values()) onNamespace(nsp)
      io.on('new_namespace', onNamespace)
    },
    rejectedHandshake(stage, code, space) {
      m.rejected.labels(stage, codeLabel(code)).inc()
      book.totals.rejectedHandshakes += 1
      const counters = space === undefined ? null : book.space(space)
      if (counters) counters.rejectedHandshakes += 1
    },
    oversizedPacket(transport, space) {
      m.oversized.labels(transport).inc()
      book.totals.oversizedPackets += 1
      const counters = space === undefined ? null : book.space(space)
      if (counters) counters.oversizedPackets += 1
    },
    refusedEvent(namespace, code) {
      const kind = namespaceKind(namespace)
      m.refused.labels(kind, codeLabel(code)).inc()
      if (code !== 'RATE_LIMITED') return
      m.rateLimited.labels(kind).inc()
      book.totals.rateLimited += 1
      const space = splitSpaceNamespace(namespace)?.space
      const counters = space === undefined ? null : book.space(space)
      if (counters) counters.rateLimited += 1
    },
    spaceStats: (space) => book.read(space),
    traffic: () => book.instanceTraffic(),
    countPublishes(client) {
      for (const command of ['publish', 'spublish'] as const) {
        const original = client[command]
        const counter = m.publishes.labels(command)
        client[command] = (...args: never[]): unknown => {
          counter.inc()
          return Reflect.apply(original, client, args)
        }
      }
    },
    scrape: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
  }
}
