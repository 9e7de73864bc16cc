/**
 * An in-memory fake of lesson 5's `ResilienceConnector` for the resilience lab's tests: clients
 * that behave like socket.io-client's on the lab's two namespaces, over the fake server of
 * fake-resilience-server.ts (which runs the server's own rules). Everything the "network" does
 * happens on a later macrotask, like real packets; `tests/contract/resilience-scenarios.ts` runs
 * the same scenarios on this fake and on real instances, so the two cannot drift apart.
 *
 * The client side, as socket.io-client does it:
 * - `cut()` closes the transport without reconnecting (reason `forced close`; the server sees
 *   `transport close`); `restore()` reconnects the same socket with its session id and the offset
 *   of the last packet it got, so `/streams` may recover it (same id, missed packets first);
 * - after a server-side close (`storm:cut`, ping timeout) it reconnects by itself with the
 *   reconnection backoff (`reconnectionDelay` * 2^attempt, +/- `randomizationFactor`, capped by
 *   `reconnectionDelayMax`), each try announced by `reconnect_attempt`;
 * - `retries`: emits with an ack go through one queue, one at a time, each try waiting
 *   `ackTimeout` (or the request's timeout); a late ack of a timed-out try is ignored;
 * - an emit while disconnected is buffered until the socket connects again (its timeout runs);
 * - `silence()` drops everything it would write (pongs included): the server closes it after
 *   its next ping + `pingTimeout` and tells the others (`peer:gone`).
 */
import { SandboxError, TokenBucket } from '@realtime-workbook/sandbox-server/rules'
import {
  explain,
  isErrorAnswer,
  isLabMessageEvent,
  isPeerGoneEvent,
  isPositionEvent,
  isResilienceHelloEvent,
  RESILIENCE_ACK_CHECKS,
  type Check,
  type ResilienceRequest,
} from '@realtime-workbook/sandbox-server/protocol'
import { createEmitter, localErrorAck, REQUEST_TIMEOUT_MS, type LocalErrorAck } from './connector.ts'
import {
  createFakeResilienceServer,
  fakeResilienceConfig,
  type Conn,
  type FakeResilienceConfig,
  type FakeResilienceServer,
} from './fake-resilience-server.ts'
import type {
  ResilienceClient,
  ResilienceConnectOptions,
  ResilienceConnector,
  ResilienceEventMap,
  ResilienceRequestMap,
} from './resilience-client.ts'

export { fakeResilienceConfig, type FakeResilienceConfig }

export interface FakeResilienceOptions {
  /** Server settings (default: the server's defaults). */
  config?: Partial<FakeResilienceConfig>
  /** The drop rate's and the backoff's dice (default Math.random). */
  random?: () => number
}

export interface FakeResilience extends ResilienceConnector {
  server: FakeResilienceServer
  /** Clients opened and not closed. */
  open(): number
}

const later = (fn: () => void) => void setTimeout(fn, 0)

/** Server events relayed to the widget, each checked as the real client checks them. */
const EVENT_CHECKS: { [K in 'hello' | 'lab:message' | 'position' | 'peer:gone']: Check<ResilienceEventMap[K]> } = {
  hello: isResilienceHelloEvent,
  'lab:message': isLabMessageEvent,
  position: isPositionEvent,
  'peer:gone': isPeerGoneEvent,
}
const isRelayed = (event: string): event is keyof typeof EVENT_CHECKS => Object.hasOwn(EVENT_CHECKS, event)

/**
 * socket.io-client's reconnection delay for attempt `n` (from 0): its `Backoff`, factor 2.
 *
 * @example
 * backoffDelay(0, { min: 1000, max: 5000, jitter: 0 }, Math.random) // => 1000
 */
export function backoffDelay(n: number, o: { min: number; max: number; jitter: number }, random: () => number): number {
  let ms = o.min * Math.pow(2, n)
  if (o.jitter) {
    const rand = random()
    const deviation = Math.floor(rand * o.jitter * ms)
    ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation
  }
  return Math.min(ms, o.max) | 0
}

interface Wire {
  conn: Conn | null
  sid: string | null
  /** The offset of the last stored packet received; null before any (then no recovery is asked for). */
  offset: number | null
  recovered: boolean
  connectedAt: number
  attempts: number
  reconnection: boolean
  silenced: boolean
  closed: boolean
  /** Emits waiting for a connection: flushed on connect, dropped when their timeout fires. */
  buffer: Set<() => void>
  reconnectTimer?: ReturnType<typeof setTimeout>
  pingTimer?: ReturnType<typeof setTimeout>
}

type ClientEmitter = ReturnType<typeof createEmitter<ResilienceEventMap>>

/** The client's connection: handshake (with its session for recovery), events in, losses, reconnection backoff. */
/** What the server says on every (re)connection: who the socket is, and the settings in force. */
function helloOf(conn: Conn, recovered: boolean, cfg: FakeResilienceServer['config']) {
  const { sid: id, instance, label, namespace, space } = conn
  return {
    ...{ id, instance, label, namespace, space, recovered },
    pingInterval: cfg.resiliencePingIntervalMs,
    pingTimeout: cfg.resiliencePingTimeoutMs,
    maxDisconnectionDuration: cfg.resilienceMaxDisconnectionMs,
  }
}

function createLink(
  server: FakeResilienceServer,
  o: ResilienceConnectOptions,
  w: Wire,
  emitter: ClientEmitter,
  random: () => number,
  pid: string,
) {
  const cfg = server.config
  function relay<K extends keyof typeof EVENT_CHECKS>(event: K, data: unknown) {
    const check: Check<ResilienceEventMap[K]> = EVENT_CHECKS[event]
    if (check(data)) emitter.emit(event, data)
    else emitter.emit('sandbox:error', { code: 'BAD_ANSWER', message: explain(check, data, event) })
  }
  function deliver(conn: Conn, event: string, data: unknown, offset?: number) {
    later(() => {
      if (w.conn !== conn || !isRelayed(event)) return
      if (offset !== undefined) w.offset = Math.max(w.offset ?? 0, offset)
      relay(event, data)
    })
  }
  function lost(reason: string) {
    const conn = w.conn
    if (!conn) return
    w.conn = null
    clearTimeout(w.pingTimer)
    server.leave(conn, reason === 'forced close' ? 'transport close' : reason)
    emitter.emit('disconnect', { reason })
    if (reason !== 'forced close' && w.reconnection && !w.closed) scheduleReconnect()
  }
  function scheduleReconnect() {
    const backoff = { min: o.reconnectionDelay ?? 1000, max: o.reconnectionDelayMax ?? 5000, jitter: o.randomizationFactor ?? 0.5 }
    const delay = backoffDelay(w.attempts, backoff, random)
    w.attempts += 1
    w.reconnectTimer = setTimeout(() => {
      if (w.closed || !w.reconnection || w.conn) return
      emitter.emit('reconnect_attempt', { attempt: w.attempts, at: Date.now() })
      handshake()
    }, delay)
  }
  function connected(conn: Conn, recovered: boolean, missed: { offset: number; event: string; data: unknown }[]) {
    Object.assign(w, { conn, sid: conn.sid, recovered, attempts: 0, connectedAt: Date.now() })
    // As socket.io: the server writes the missed packets before its CONNECT, and the client emits
    // what it buffered before `connect`.
    for (const packet of missed) deliver(conn, packet.event, packet.data, packet.offset)
    later(() => w.conn === conn && emitter.emit('connect', { id: conn.sid, recovered }))
    server.emitTo(conn, 'hello', helloOf(conn, recovered, cfg))
    for (const flush of [...w.buffer]) flush()
  }
  function handshake() {
    later(() => {
      if (w.closed || w.conn) return
      let admitted: Conn | null = null
      const conn: Omit<Conn, 'sid'> = {
        ...{ pid, label: o.label, instance: o.instance.id, space: o.space, namespace: o.namespace, lastSeen: Date.now() },
        bucket: new TokenBucket(cfg.eventsPerSecond, cfg.resilienceEventBurst, () => Date.now()),
        deliver: (event, data, offset) => admitted && deliver(admitted, event, data, offset),
        drop: (reason) => later(() => admitted && w.conn === admitted && lost(reason)),
        connected: () => admitted !== null && w.conn === admitted,
      }
      try {
        // socket.io-client asks for recovery only with a session id AND an offset (a packet it got).
        const result = server.admit(conn, w.sid && w.offset !== null ? { sid: w.sid, offset: w.offset } : null)
        admitted = result.conn
        connected(result.conn, result.recovered, result.missed)
      } catch (error) {
        emitter.emit('connect_error', SandboxError.from(error).toBody())
      }
    })
  }
  return { handshake, lost }
}

/**
 * A silent client: the server notices at its next ping plus `pingTimeout`, closes the connection
 * (`peer:gone` to the others); the client reads the close and stays down (no reconnection).
 */
function armPingTimeout(server: FakeResilienceServer, w: Wire, emitter: ClientEmitter, conn: Conn) {
  const every = server.config.resiliencePingIntervalMs
  const nextPing = w.connectedAt + Math.ceil((Date.now() - w.connectedAt + 1) / every) * every
  w.pingTimer = setTimeout(
    () => {
      if (w.conn !== conn || !w.silenced) return
      server.leave(conn, 'ping timeout')
      w.conn = null
      later(() => emitter.emit('disconnect', { reason: 'transport close' }))
    },
    nextPing + server.config.resiliencePingTimeoutMs - Date.now(),
  )
}

/** One fake lab client. */
function fakeClient(
  server: FakeResilienceServer,
  o: ResilienceConnectOptions,
  random: () => number,
  pid: string,
  onClose: () => void,
): ResilienceClient {
  const emitter = createEmitter<ResilienceEventMap>()
  const w: Wire = {
    conn: null,
    sid: null,
    offset: null,
    recovered: false,
    connectedAt: 0,
    attempts: 0,
    reconnection: true,
    silenced: false,
    closed: false,
    buffer: new Set(),
  }
  const link = createLink(server, o, w, emitter, random, pid)
  link.handshake()
  return {
    label: o.label,
    instance: o.instance,
    namespace: o.namespace,
    get connected() {
      return w.conn !== null
    },
    get recovered() {
      return w.recovered
    },
    on: emitter.on,
    request: createSender(server, w, o),
    cut() {
      w.reconnection = false
      link.lost('forced close')
    },
    restore() {
      w.reconnection = true
      w.silenced = false
      if (!w.conn) link.handshake()
    },
    silence() {
      w.reconnection = false
      w.silenced = true
      if (w.conn) armPingTimeout(server, w, emitter, w.conn)
    },
    close() {
      if (w.closed) return
      w.closed = true
      clearTimeout(w.reconnectTimer)
      clearTimeout(w.pingTimer)
      const conn = w.conn
      w.conn = null
      if (conn) later(() => server.leave(conn, 'client namespace disconnect'))
      emitter.clear()
      onClose()
    },
  }
}

/** `request()`: one try, or socket.io-client's retry queue (one emit at a time) with `retries`. */
function createSender(server: FakeResilienceServer, w: Wire, o: ResilienceConnectOptions) {
  const queue: (() => Promise<void>)[] = []
  let draining = false

  /** One try: resolves to the answer, or `null` when no ack came within `timeoutMs`. */
  function attempt(event: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve) => {
      let done = false
      const finish = (answer: unknown) => {
        if (done) return
        done = true
        resolve(answer)
      }
      const emit = () => {
        w.buffer.delete(emit)
        const conn = w.conn
        if (!conn || w.silenced) return // a silent client's packets never leave it
        later(() => {
          if (w.conn !== conn) return
          // An ack reaches only the connection that sent the request (a dropped one loses it).
          server.request(conn, event, payload, (answer) => later(() => w.conn === conn && finish(answer)))
        })
      }
      setTimeout(() => {
        w.buffer.delete(emit)
        finish(null)
      }, timeoutMs)
      if (w.conn) emit()
      else w.buffer.add(emit)
    })
  }
  async function drain() {
    if (draining) return
    draining = true
    while (queue.length) await queue.shift()?.()
    draining = false
  }

  return <K extends ResilienceRequest>(event: K, payload: ResilienceRequestMap[K][0], timeoutMs?: number) =>
    new Promise<ResilienceRequestMap[K][1] | LocalErrorAck>((resolve) => {
      if (w.closed) return resolve(localErrorAck('DISCONNECTED', 'this lab client is closed'))
      const perTry = timeoutMs ?? o.ackTimeout ?? REQUEST_TIMEOUT_MS
      const tries = 1 + (o.retries ?? 0)
      // An event the protocol does not know (a test's raw request) can only be answered with an error.
      const check: Check<ResilienceRequestMap[K][1]> = Object.hasOwn(RESILIENCE_ACK_CHECKS, event)
        ? RESILIENCE_ACK_CHECKS[event]
        : isErrorAnswer
      const settle = (answer: unknown) => {
        if (answer === null) resolve(localErrorAck('TIMEOUT', `no answer within ${perTry / 1000} s${tries > 1 ? ` (${tries} tries)` : ''}`))
        else resolve(check(answer) ? answer : localErrorAck('BAD_ANSWER', explain(check, answer, `${event} answer`)))
      }
      if (tries === 1) return void attempt(event, payload, perTry).then(settle)
      queue.push(async () => {
        let answer: unknown = null
        for (let n = 0; n < tries && answer === null && !w.closed; n++) answer = await attempt(event, payload, perTry)
        settle(answer)
      })
      void drain()
    })
}

/**
 * The fake lab connector (one fake server for all its clients).
 *
 * @example
 * const lab = createFakeResilience({ config: { resilienceMaxDisconnectionMs: 2000 } })
 * const a = lab.connect({ instance, space: 'aaaaaa', namespace: '/streams', label: 'A' })
 */
export function createFakeResilience(options: FakeResilienceOptions = {}): FakeResilience {
  const random = options.random ?? Math.random
  const server = createFakeResilienceServer(fakeResilienceConfig(options.config), random)
  let pids = 0
  let open = 0
  return {
    server,
    open: () => open,
    connect(o) {
      open += 1
      return fakeClient(server, o, random, `p${++pids}`, () => (open -= 1))
    },
  }
}
