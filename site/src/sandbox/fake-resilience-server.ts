/**
 * The server half of the in-memory resilience cluster (see fake-resilience.ts): lesson 5's
 * namespaces of every space on every fake instance, run on the server's own rules
 * (`@realtime-workbook/sandbox-server/rules`: the zod schemas, `FlakyHandler`, `Cooldown`,
 * `ExpiringMap`, `positionAt`, `TokenBucket`, the config defaults). Test-only, like fake-connector.ts.
 *
 * What it models, as the real server does it:
 * - `/streams` (Redis Streams adapter + connection state recovery): every non-volatile broadcast
 *   is appended to the namespace's stream with an offset; a socket that comes back within
 *   `maxDisconnectionDuration` with its session id and last offset gets the same id,
 *   `recovered: true` and exactly the packets after its offset; `/pubsub` never recovers.
 * - volatile positions go only to sockets connected at that instant and are never stored;
 * - the flaky handler (drop before the handler, slow handler, dedupe), `storm:cut` (transports
 *   closed, clients reconnect by themselves), `peer:gone` after a ping timeout, cooldowns, caps.
 * - `wire:measure` answers modeled figures (no wire here): sizes from the payload's JSON length,
 *   so relations hold (msgpack < JSON, deflate only helps past its threshold), not real bytes.
 */
import {
  Cooldown,
  ExpiringMap,
  FlakyHandler,
  flakySettingsSchema,
  flakyWorkSchema,
  labSendSchema,
  parseOrThrow,
  positionAt,
  positionsSchema,
  resolveInstanceConfig,
  SandboxError,
  TokenBucket,
  wireMeasureSchema,
  type InstanceConfig,
} from '@realtime-workbook/sandbox-server/rules'
import {
  RESILIENCE_ACK_CHECKS,
  WIRE_FORMATS,
  WIRE_PAYLOADS,
  type ResilienceNamespace,
  type WireMeasureAck,
  type WireSize,
} from '@realtime-workbook/sandbox-server/protocol'

/** The server settings the fake runs with: the server's defaults, overridable per test. */
export type FakeResilienceConfig = Pick<
  InstanceConfig,
  | 'resilienceMaxDisconnectionMs'
  | 'resiliencePingIntervalMs'
  | 'resiliencePingTimeoutMs'
  | 'resilienceMaxSocketsPerSpace'
  | 'resilienceMaxSpaces'
  | 'dedupeMaxIds'
  | 'dedupeTtlMs'
  | 'stormCooldownMs'
  | 'wireCooldownMs'
  | 'streamsMaxLen'
  | 'eventsPerSecond'
  | 'resilienceEventBurst'
>

export function fakeResilienceConfig(overrides: Partial<FakeResilienceConfig> = {}): FakeResilienceConfig {
  return { ...resolveInstanceConfig(), ...overrides }
}

/** A server-side socket: what the fake server knows of one connected client. */
export interface Conn {
  sid: string
  pid: string
  label: string
  instance: string
  space: string
  namespace: ResilienceNamespace
  /** Last time the server received anything from it (for `peer:gone`'s `silentMs`). */
  lastSeen: number
  bucket: TokenBucket
  /** Delivers a server event (with its stream offset on `/streams`). */
  deliver(event: string, data: unknown, offset?: number): void
  /** Closes the transport from the server side with `reason` (the client may reconnect). */
  drop(reason: string): void
  /** Whether the transport is connected and reading right now. */
  connected(): boolean
}

/** A disconnected `/streams` socket's state, kept `maxDisconnectionDuration` for recovery. */
interface Session {
  sid: string
  label: string
  disconnectedAt: number
  key: string
}

/** A stored packet of a `/streams` namespace: for one socket (`to`) or every socket but `except`. */
interface Entry {
  offset: number
  event: string
  data: unknown
  to?: string
  except?: string
}

type Ack = (answer: unknown) => void

const nsKey = (space: string, namespace: ResilienceNamespace) => `${space}${namespace}`
const spaceAt = (space: string, instance: string) => `${space}@${instance}`

/** The modeled wire: Socket.IO framing over a masked WebSocket frame, per message. */
function modelWire(size: WireSize): Extract<WireMeasureAck, { ok: true }> {
  const payloadBytes = size === 'small' ? 96 : 4_200
  const binaryBytes = size === 'small' ? 64 : 2_048
  const deflateThresholdBytes = 1024
  const frame = (n: number) => n + (n < 126 ? 6 : 8)
  const results = WIRE_FORMATS.flatMap((format) =>
    WIRE_PAYLOADS.map((payload) => {
      const text = format.startsWith('msgpack') ? Math.round(payloadBytes * 0.8) : payloadBytes + 12
      const deflate = format.endsWith('+deflate') && text >= deflateThresholdBytes ? Math.round(text * 0.3) : text
      const bin = payload === 'binary' ? frame(binaryBytes) + (format.startsWith('json') ? 30 : 0) : 0
      return { format, payload, bytesPerMessage: frame(deflate) + bin, cpuMicrosPerMessage: format.endsWith('+deflate') ? 40 : 20 }
    }),
  )
  return { ok: true, size, messages: 200, payloadBytes, binaryBytes, deflateThresholdBytes, results }
}

/** The lab's namespaces of every space: members, and the `/streams` namespaces' stored packets. */
function createNamespaces(config: FakeResilienceConfig) {
  const members = new Map<string, Set<Conn>>()
  const streams = new Map<string, { next: number; entries: Entry[] }>()
  const group = (key: string) => members.get(key) ?? new Set<Conn>()
  return {
    group,
    add: (key: string, conn: Conn) => members.set(key, group(key).add(conn)),
    remove: (conn: Conn) => group(nsKey(conn.space, conn.namespace)).delete(conn),
    all: () => [...members.values()].flatMap((set) => [...set]),
    onInstance: (c: { space: string; namespace: ResilienceNamespace; instance: string }) =>
      [...group(nsKey(c.space, c.namespace))].filter((m) => m.instance === c.instance),
    /**
     * A broadcast through the namespace's adapter to every socket but `except`, or to one (`to`:
     * with recovery on, `socket.emit` goes through the adapter to the socket's own room). On
     * `/streams` it is stored with an offset unless volatile; `/pubsub` stores nothing.
     */
    broadcast(
      space: string,
      namespace: ResilienceNamespace,
      event: string,
      data: unknown,
      o: { except?: Conn; to?: Conn; volatile?: boolean },
    ) {
      const key = nsKey(space, namespace)
      let offset: number | undefined
      if (namespace === '/streams' && !o.volatile) {
        const stream = streams.get(key) ?? { next: 1, entries: [] }
        streams.set(key, stream)
        offset = stream.next++
        stream.entries.push({ offset, event, data, to: o.to?.sid, except: o.except?.sid })
        if (stream.entries.length > config.streamsMaxLen) stream.entries.shift()
      }
      const targets = o.to ? [o.to] : [...group(key)].filter((m) => m !== o.except)
      for (const m of targets) if (m.connected()) m.deliver(event, data, offset)
    },
    /** The packets a recovered socket missed: stored after its offset, and meant for it. */
    missedBy: (key: string, sid: string, offset: number) =>
      (streams.get(key)?.entries ?? []).filter((e) => e.offset > offset && (e.to === undefined || e.to === sid) && e.except !== sid),
  }
}
type Namespaces = ReturnType<typeof createNamespaces>

/** The per-space state of the lab's events (flaky handlers, position streams, cooldowns) and their handlers. */
function createHandlers(config: FakeResilienceConfig, random: () => number, ns: Namespaces) {
  const flaky = new ExpiringMap<string, FlakyHandler>({ maxSize: config.resilienceMaxSpaces, ttlMs: config.dedupeTtlMs })
  const positions = new Set<string>()
  const storm = new Cooldown({ cooldownMs: config.stormCooldownMs, maxKeys: config.resilienceMaxSpaces })
  const wire = new Cooldown({ cooldownMs: config.wireCooldownMs, maxKeys: config.resilienceMaxSpaces })
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
  return {
    flakyOf(conn: Conn): FlakyHandler {
      const make = () => new FlakyHandler({ maxIds: config.dedupeMaxIds, ttlMs: config.dedupeTtlMs }, { sleep, random })
      return flaky.touch(spaceAt(conn.space, conn.instance), make)
    },
    startPositions(conn: Conn, count: number, everyMs: number, volatile: boolean) {
      const key = spaceAt(conn.space, conn.instance)
      if (positions.has(key)) throw new SandboxError('BUSY', 'a position stream is already running in this space')
      positions.add(key)
      let seq = 0
      const timer = setInterval(() => {
        seq += 1
        const event = { seq, ...positionAt(seq, count), volatile, sentAt: Date.now() }
        ns.broadcast(conn.space, conn.namespace, 'position', event, { volatile })
        if (seq < count) return
        clearInterval(timer)
        positions.delete(key)
      }, everyMs)
    },
    stormCut(conn: Conn): number {
      const wait = storm.take(nsKey(conn.space, conn.namespace))
      if (wait) throw new SandboxError('RATE_LIMITED', `storm:cut: once every ${config.stormCooldownMs / 1000} s; wait ${wait} ms`)
      const victims = ns.onInstance(conn).filter((m) => m.connected())
      // After the ack has gone out, as the real server does: the requester is cut too.
      setTimeout(() => victims.forEach((m) => m.drop('transport close')), 20)
      return victims.length
    },
    measureWire(conn: Conn, payload: unknown) {
      const { size } = parseOrThrow(wireMeasureSchema, payload, 'wire:measure: ')
      const wait = wire.take(conn.space)
      if (wait) throw new SandboxError('RATE_LIMITED', `wire:measure: once every ${config.wireCooldownMs / 1000} s; wait ${wait} ms`)
      return modelWire(size)
    },
  }
}
type Handlers = ReturnType<typeof createHandlers>

/** Runs one request; `ack` is not called for a dropped `flaky:work` (the client times out). */
async function dispatch(h: Handlers, ns: Namespaces, conn: Conn, event: string, payload: unknown, ack: Ack): Promise<void> {
  switch (event) {
    case 'lab:send': {
      const { seq } = parseOrThrow(labSendSchema, payload, 'lab:send: ')
      ns.broadcast(conn.space, conn.namespace, 'lab:message', { seq, from: conn.label, instance: conn.instance }, { except: conn })
      return ack({ ok: true })
    }
    case 'lab:positions': {
      const p = parseOrThrow(positionsSchema, payload, 'lab:positions: ')
      h.startPositions(conn, p.count, p.everyMs, p.volatile)
      return ack({ ok: true })
    }
    case 'flaky:configure':
      return ack({ ok: true, settings: h.flakyOf(conn).configure(parseOrThrow(flakySettingsSchema, payload, 'flaky:configure: ')) })
    case 'flaky:work': {
      const { messageId } = parseOrThrow(flakyWorkSchema, payload, 'flaky:work: ')
      const outcome = await h.flakyOf(conn).work(messageId)
      return outcome === 'dropped' ? undefined : ack({ ok: true, ...outcome })
    }
    case 'flaky:report': {
      const handler = h.flakyOf(conn)
      return ack({ ok: true, settings: handler.settings, ...handler.report() })
    }
    case 'flaky:reset':
      h.flakyOf(conn).reset()
      return ack({ ok: true })
    case 'storm:cut':
      return ack({ ok: true, cut: h.stormCut(conn) })
    case 'wire:measure':
      return ack(h.measureWire(conn, payload))
    default:
      throw new SandboxError('UNKNOWN_EVENT', `unknown event "${event}"`)
  }
}

/**
 * The fake cluster's resilience server (all instances share it: "Redis" is this process).
 *
 * @example
 * const server = createFakeResilienceServer(fakeResilienceConfig(), Math.random)
 */
export function createFakeResilienceServer(config: FakeResilienceConfig, random: () => number) {
  const ns = createNamespaces(config)
  const handlers = createHandlers(config, random, ns)
  const sessions = new ExpiringMap<string, Session>({ maxSize: 10_000, ttlMs: config.resilienceMaxDisconnectionMs })
  let sids = 0
  return {
    config,
    /**
     * Admits a (re)connecting client: its recovered session on `/streams` when it is still
     * there, and the packets after `offset`; `SPACE_FULL` past the per-space cap on the instance.
     */
    admit(conn: Omit<Conn, 'sid'>, previous: { sid: string; offset: number } | null) {
      if (ns.onInstance(conn).length >= config.resilienceMaxSocketsPerSpace)
        throw new SandboxError(
          'SPACE_FULL',
          `this space already has ${config.resilienceMaxSocketsPerSpace} lab sockets on ${conn.instance}`,
        )
      const key = nsKey(conn.space, conn.namespace)
      const session = previous && conn.namespace === '/streams' ? sessions.get(conn.pid) : undefined
      const recovered = Boolean(session && previous && session.sid === previous.sid && session.key === key)
      if (session) sessions.delete(conn.pid)
      const sid =
        recovered && previous ? previous.sid : `s${(++sids).toString(36).padStart(6, '0')}${Math.floor(random() * 1e9).toString(36)}`
      const full: Conn = { ...conn, sid }
      ns.add(key, full)
      return { conn: full, recovered, missed: recovered && previous ? ns.missedBy(key, sid, previous.offset) : [] }
    },
    /**
     * `socket.emit` from the server, as `hello` goes while Redis is up: through the adapter, so on
     * `/streams` it carries an offset (a socket that never got one cannot be recovered).
     */
    emitTo(conn: Conn, event: string, data: unknown) {
      ns.broadcast(conn.space, conn.namespace, event, data, { to: conn })
    },
    /** The socket left; `/streams` keeps its session for recovery unless the client closed it. */
    leave(conn: Conn, reason: string) {
      ns.remove(conn)
      const recoverable = reason === 'transport close' || reason === 'ping timeout' || reason === 'transport error'
      if (conn.namespace === '/streams' && recoverable)
        sessions.set(conn.pid, { sid: conn.sid, label: conn.label, disconnectedAt: Date.now(), key: nsKey(conn.space, conn.namespace) })
      if (reason === 'ping timeout')
        ns.broadcast(conn.space, conn.namespace, 'peer:gone', { label: conn.label, reason, silentMs: Date.now() - conn.lastSeen }, {})
    },
    /** One request from a client: rate limit, validation, handler; errors become `{ error }` acks. */
    request(conn: Conn, event: string, payload: unknown, ack: Ack) {
      conn.lastSeen = Date.now()
      if (!Object.hasOwn(RESILIENCE_ACK_CHECKS, event)) return ack(new SandboxError('UNKNOWN_EVENT', `unknown event "${event}"`).toAck())
      if (!conn.bucket.take()) return ack(new SandboxError('RATE_LIMITED', `${event}: too many events, slow down`).toAck())
      dispatch(handlers, ns, conn, event, payload, ack).catch((error: unknown) => ack(SandboxError.from(error).toAck()))
    },
    /** Connected sockets, for assertions. */
    sockets: () => ns.all(),
  }
}
export type FakeResilienceServer = ReturnType<typeof createFakeResilienceServer>
