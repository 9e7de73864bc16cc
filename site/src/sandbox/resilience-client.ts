/**
 * Lesson 5's door to the cluster: the resilience lab's client. Its own module, NOT part of
 * `SandboxConnector` (every widget chunk carries that one; only the lab needs this): the
 * `ResilienceClient` interface the lab is written against, and its socket.io-client
 * implementation (`createResilienceConnector(io)`), which talks to the second Socket.IO server of
 * each instance (`path: RESILIENCE_PATH`) on `/s/<space>/streams` or `/s/<space>/pubsub`.
 *
 * As in the other clients, every ack and server event is checked once here with the protocol's
 * checks; a malformed one becomes a local `BAD_ANSWER` error. `request()` never rejects.
 *
 * What the lab needs beyond a plain client, all on the client side as a real network would do it:
 * - `cut()` drops the connection (the Engine.IO transport closes; the server sees `transport
 *   close`) and keeps the client from reconnecting until `restore()`, which reconnects the SAME
 *   Socket.IO socket, so it sends its session id and last offset: the server may recover it;
 * - `silence()` stops writing anything (heartbeat pongs included) while still reading: the server
 *   notices a dead peer after its `pingInterval + pingTimeout` (`peer:gone` to the others);
 * - the connection options socket.io-client offers for resilience (`retries`, `ackTimeout`,
 *   reconnection backoff), per client.
 *
 * @module
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import {
  explain,
  isErrorAnswer,
  isLabMessageEvent,
  isPeerGoneEvent,
  isPositionEvent,
  isResilienceHelloEvent,
  isSandboxErrorBody,
  RESILIENCE_ACK_CHECKS,
  RESILIENCE_PATH,
  resilienceNamespace,
  type Check,
  type LabMessageEvent,
  type PeerGoneEvent,
  type PositionEvent,
  type ResilienceHelloEvent,
  type ResilienceNamespace,
  type ResilienceRequest,
  type ResilienceRequests,
} from '@realtime-workbook/sandbox-server/protocol'
import {
  createEmitter,
  localErrorAck,
  REQUEST_TIMEOUT_MS,
  type ClientErrorBody,
  type ConnectFailure,
  type LocalErrorAck,
  type Requester,
  type SandboxInstance,
  type Unsubscribe,
} from './connector.ts'

/** The lab's requests: name -> [payload, ack], from the protocol. */
export type ResilienceRequestMap = { [K in ResilienceRequest]: [ResilienceRequests[K]['payload'], ResilienceRequests[K]['ack']] }

/** Events a lab client emits to the widget. */
export interface ResilienceEventMap {
  /** On every (re)connection, including a recovered one (whose missed packets arrived just before). */
  hello: ResilienceHelloEvent
  'lab:message': LabMessageEvent
  position: PositionEvent
  /** Another socket of the space's namespace on the same instance went silent and timed out. */
  'peer:gone': PeerGoneEvent
  /** A server error sent without ack, or a malformed server event (`BAD_ANSWER`, event dropped). */
  'sandbox:error': ClientErrorBody
  /** Connected (again): `recovered` is socket.io-client's `socket.recovered`. */
  connect: { id: string; recovered: boolean }
  connect_error: ConnectFailure
  /** socket.io-client's reason, e.g. `transport close`, `ping timeout`, `forced close` (after `cut()`). */
  disconnect: { reason: string }
  /** The reconnection backoff fired attempt number `attempt` (from 1) at `at` (ms since epoch): the storm's timeline. */
  reconnect_attempt: { attempt: number; at: number }
}

/** How a lab client connects: where, as whom, and socket.io-client's resilience options. */
export interface ResilienceConnectOptions {
  instance: SandboxInstance
  space: string
  namespace: ResilienceNamespace
  label: string
  /**
   * socket.io-client `retries`: an emit with an ack is retried until acked, at most this many
   * more times (the client then sends queued emits one at a time). 0 / absent: no retries.
   */
  retries?: number
  /** socket.io-client `ackTimeout`, ms: how long each try waits for its ack. Default `REQUEST_TIMEOUT_MS`. */
  ackTimeout?: number
  /** Reconnection backoff: first delay, ms (socket.io-client default 1000). */
  reconnectionDelay?: number
  /** Reconnection backoff: longest delay, ms (socket.io-client default 5000). */
  reconnectionDelayMax?: number
  /** Reconnection backoff jitter, 0 to 1 (socket.io-client default 0.5; 0: every client retries at the same instants). */
  randomizationFactor?: number
  /** Default `['websocket']` (one TCP connection per client, no polling round trips in the figures). */
  transports?: ('websocket' | 'polling' | 'webtransport')[]
}

/** A socket of the resilience lab. */
export interface ResilienceClient extends Requester<ResilienceRequestMap, ResilienceRequest> {
  readonly label: string
  readonly instance: SandboxInstance
  readonly namespace: ResilienceNamespace
  /** Whether the socket is connected now. */
  readonly connected: boolean
  /** socket.io-client's `socket.recovered`: whether the last (re)connection recovered the session. */
  readonly recovered: boolean
  on<K extends keyof ResilienceEventMap>(event: K, listener: (data: ResilienceEventMap[K]) => void): Unsubscribe
  /** Drops the connection as a network failure would, and does not reconnect until `restore()`. */
  cut(): void
  /** Reconnects after `cut()` or `silence()`, with the same socket (session id and offset sent: recovery may apply). */
  restore(): void
  /** Stops writing (heartbeat pongs included) but keeps reading: a dead peer, for the heartbeat experiment. */
  silence(): void
  close(): void
}

/** Creates lab clients (the real one over socket.io-client; the widget's tests use an in-memory fake). */
export interface ResilienceConnector {
  connect(options: ResilienceConnectOptions): ResilienceClient
}

type Io = (uri: string, options?: Partial<ManagerOptions & SocketOptions>) => Socket

/** `connect_error` as widgets see it: the server's `{ code, message }` when it sent one. */
function toFailure(err: unknown): ConnectFailure {
  const data: unknown = typeof err === 'object' && err !== null && 'data' in err ? err.data : undefined
  if (isSandboxErrorBody(data)) return data
  return { code: 'CONNECT_FAILED', message: err instanceof Error ? err.message : 'connection failed' }
}

/** socket.io-client options of a lab client. */
function ioOptions(options: ResilienceConnectOptions): Partial<ManagerOptions & SocketOptions> {
  const backoff = {
    ...(options.reconnectionDelay === undefined ? {} : { reconnectionDelay: options.reconnectionDelay }),
    ...(options.reconnectionDelayMax === undefined ? {} : { reconnectionDelayMax: options.reconnectionDelayMax }),
    ...(options.randomizationFactor === undefined ? {} : { randomizationFactor: options.randomizationFactor }),
  }
  return {
    path: RESILIENCE_PATH,
    forceNew: true,
    auth: { label: options.label },
    transports: options.transports ?? ['websocket'],
    ackTimeout: options.ackTimeout ?? REQUEST_TIMEOUT_MS,
    ...(options.retries ? { retries: options.retries } : {}),
    ...backoff,
  }
}

/** Relays the server events to `emitter`, each only once its check passed (else a `BAD_ANSWER`). */
function relayEvents(socket: Socket, emitter: ReturnType<typeof createEmitter<ResilienceEventMap>>): void {
  const relay = <K extends keyof ResilienceEventMap & string>(event: K, check: Check<ResilienceEventMap[K]>): void => {
    const name: string = event // socket.io-client's typings want a plain event name here
    // With recovery on, an event may carry one more argument (its offset): only the first is the payload.
    socket.on(name, (data: unknown) => {
      if (check(data)) emitter.emit(event, data)
      else emitter.emit('sandbox:error', { code: 'BAD_ANSWER', message: explain(check, data, event) })
    })
  }
  relay('hello', isResilienceHelloEvent)
  relay('lab:message', isLabMessageEvent)
  relay('position', isPositionEvent)
  relay('peer:gone', isPeerGoneEvent)
  relay('sandbox:error', isSandboxErrorBody)
  socket.on('connect', () => emitter.emit('connect', { id: socket.id ?? '', recovered: socket.recovered }))
  socket.on('connect_error', (err: unknown) => emitter.emit('connect_error', toFailure(err)))
  socket.on('disconnect', (reason: unknown) => emitter.emit('disconnect', { reason: String(reason) }))
  socket.io.on('reconnect_attempt', (attempt: number) => emitter.emit('reconnect_attempt', { attempt, at: Date.now() }))
}

/**
 * Emits with an ack and checks the answer. `timeoutMs` (else the client's `ackTimeout`) bounds each
 * try: with `retries`, socket.io-client retries a try that timed out, and the answer is a
 * `TIMEOUT` only once every try did. A disconnected socket buffers the emit until it reconnects.
 */
function requestOn(socket: Socket, options: ResilienceConnectOptions) {
  return <K extends ResilienceRequest>(event: K, payload: ResilienceRequestMap[K][0], timeoutMs?: number) =>
    new Promise<ResilienceRequestMap[K][1] | LocalErrorAck>((resolve) => {
      if (!socket.active) return resolve(localErrorAck('DISCONNECTED', 'this lab client is closed'))
      const check: Check<ResilienceRequestMap[K][1]> = Object.hasOwn(RESILIENCE_ACK_CHECKS, event)
        ? RESILIENCE_ACK_CHECKS[event]
        : isErrorAnswer
      const perTry = timeoutMs ?? options.ackTimeout ?? REQUEST_TIMEOUT_MS
      const tries = 1 + (options.retries ?? 0)
      socket.timeout(perTry).emit(event, payload, (err: unknown, answer: unknown) => {
        if (err) resolve(localErrorAck('TIMEOUT', `no answer within ${perTry / 1000} s${tries > 1 ? ` (${tries} tries)` : ''}`))
        else resolve(check(answer) ? answer : localErrorAck('BAD_ANSWER', explain(check, answer, `${event} answer`)))
      })
    })
}

/**
 * A lab client over a given `io` (tests pass socket.io-client's own, pages get it from
 * `createResilienceConnector()`).
 *
 * @example
 * const client = createResilienceConnector().connect({ instance, space: 'k7q2mx', namespace: '/streams', label: 'A' })
 * client.on('lab:message', ({ seq }) => received.push(seq))
 */
export function connectResilience(io: Io, options: ResilienceConnectOptions): ResilienceClient {
  const socket = io(options.instance.base + resilienceNamespace(options.space, options.namespace), ioOptions(options))
  const emitter = createEmitter<ResilienceEventMap>()
  relayEvents(socket, emitter)
  let silenced = false
  return {
    label: options.label,
    instance: options.instance,
    namespace: options.namespace,
    get connected() {
      return socket.connected
    },
    get recovered() {
      return socket.recovered
    },
    on: emitter.on,
    request: requestOn(socket, options),
    cut() {
      socket.io.reconnection(false)
      socket.io.engine?.close()
    },
    restore() {
      // A silenced connection may still look open (the server has not timed it out yet): drop it.
      if (silenced) socket.io.engine?.close()
      silenced = false
      socket.io.reconnection(true)
      if (!socket.connected) socket.connect()
    },
    silence() {
      // Drops every frame at the WebSocket itself (heartbeat pongs included) while the engine
      // believes they were sent: the server hears silence and closes the connection after its
      // ping timeout; the engine stays consistent, so restore() can close it cleanly.
      // No reconnection either: a dead peer stays dead until restore().
      socket.io.reconnection(false)
      silenced = true
      const ws: unknown = socket.io.engine ? Reflect.get(socket.io.engine.transport, 'ws') : undefined
      if (typeof ws === 'object' && ws !== null && 'send' in ws) Reflect.set(ws, 'send', () => undefined)
    },
    close() {
      emitter.clear()
      socket.disconnect()
    },
  }
}

/**
 * The real connector of the lab: socket.io-client, imported statically (this module is reached
 * only from the lab's lazy chunk).
 *
 * @example
 * const lab = createResilienceConnector()
 * const a = lab.connect({ instance, space, namespace: '/pubsub', label: 'A', retries: 3, ackTimeout: 1000 })
 */
export function createResilienceConnector(ioImpl: Io = io): ResilienceConnector {
  return { connect: (options) => connectResilience(ioImpl, options) }
}
