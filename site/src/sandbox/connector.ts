/**
 * The sandbox client layer every widget talks to. Widgets depend on this interface only, so they
 * can be tested against the in-memory `createFakeConnector()` and run against the real cluster
 * with `loadSocketIoConnector()` (which lazy-loads socket.io-client). Lesson 4's token route,
 * `/secure` and stats have a connector of their own, `secure-client.ts`, which only the security
 * lab imports.
 *
 * Everything a connector hands to a widget has the protocol's types for real: the socket.io
 * connector checks each ack, event and HTTP answer once, with the protocol's checks, and turns
 * a malformed one into a local `BAD_ANSWER` error.
 */
import type {
  ErrorCode,
  HealthBody,
  HelloEvent,
  LearnerNamespace,
  MessageEvent,
  PlaygroundRequest,
  SandboxDirectory,
  SandboxRequest,
  SandboxRequests,
  SimulateOutageAck,
  TraceEvent,
} from '@realtime-workbook/sandbox-server/protocol'

/** One instance of the cluster, with the base URL the browser reaches it at. */
export interface SandboxInstance {
  id: string
  port: number
  /** e.g. `http://localhost:4001` */
  base: string
}

export interface ResolvedDirectory {
  instances: SandboxInstance[]
  fanout: SandboxDirectory['fanout']
  /** The Redis emitter process (lesson 3), when the directory lists one: `POST {base}/emit`. */
  emitter?: { port: number; base: string }
  /** Lesson 4: the attacker page on a second origin (not allowed), when the directory lists it: embed `{base}/`. */
  attacker?: { port: number; base: string }
  /** True when `/sandbox.json` failed and the default ports were assumed. */
  fallback: boolean
  /** Why `/sandbox.json` was not used (unreachable, HTTP error, malformed), when `fallback`. */
  fallbackReason?: string
}

/**
 * Error codes the client layer adds to the server's: no answer in time, socket not connected,
 * connection refused without a sandbox code, and an answer that does not match the protocol.
 */
export type LocalErrorCode = 'TIMEOUT' | 'DISCONNECTED' | 'CONNECT_FAILED' | 'BAD_ANSWER'
export type ClientErrorCode = ErrorCode | LocalErrorCode

/** An error as widgets see it: from the server, or made by the client layer. */
export interface ClientErrorBody {
  code: ClientErrorCode
  message: string
}

/** An ack-shaped failure produced on the client side (timeout, closed socket, malformed ack). */
export interface LocalErrorAck {
  error: ClientErrorBody
}

/**
 * An ack-shaped local failure.
 *
 * @example
 * localErrorAck('TIMEOUT', 'no answer within 5 s') // => { error: { code: 'TIMEOUT', message: 'no answer within 5 s' } }
 */
export function localErrorAck(code: ClientErrorCode, message: string): LocalErrorAck {
  return { error: { code, message } }
}

/**
 * What `health()` rejects with when the instance answers but not as the protocol says.
 *
 * @example
 * throw new SandboxClientError('BAD_ANSWER', 'http://h:4001/healthz.sockets: expected a number')
 */
export class SandboxClientError extends Error {
  readonly code: ClientErrorCode
  constructor(code: ClientErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** Why a connection attempt failed: `code` comes from `connect_error.data.code` when present. */
export type ConnectFailure = ClientErrorBody

export type Unsubscribe = () => void

/** Events a playground client emits to the widget. */
export interface ClientEventMap {
  hello: HelloEvent
  message: MessageEvent
  /** A server error sent without ack, or a malformed server event (`BAD_ANSWER`, event dropped). */
  'sandbox:error': ClientErrorBody
  connect_error: ConnectFailure
  disconnect: { reason: string }
}

/** Requests a playground client can make: every protocol request but the observer's and `/secure`'s (see secure-client.ts). */
export type ClientRequest = PlaygroundRequest

/**
 * Requests (events with an ack) a playground client can make, with their payload and ack; the
 * cluster ones (`cluster:*`) exist on lesson 3's namespaces only.
 */
export type ClientRequestMap = RequestMapOf<ClientRequest>

/** Request name -> [payload, ack], from the protocol, for the requests `R`. */
export type RequestMapOf<R extends SandboxRequest> = { [K in R]: [SandboxRequests[K]['payload'], SandboxRequests[K]['ack']] }

/**
 * The `request()` of a client whose requests are `M` (request name -> [payload, ack]), among the
 * protocol's requests `R` (`SandboxRequest`; lesson 5's lab client passes `ResilienceRequest`).
 */
export interface Requester<M extends { [K in keyof M]: [unknown, unknown] }, R extends string = SandboxRequest> {
  /** Emits with an ack; never rejects: failures resolve to `{ error: { code, message } }`. */
  request<K extends keyof M & R>(event: K, payload: M[K][0], timeoutMs?: number): Promise<M[K][1] | LocalErrorAck>
}

export interface SandboxClient extends Requester<ClientRequestMap> {
  readonly label: string
  readonly instance: SandboxInstance
  readonly namespace: LearnerNamespace
  on<K extends keyof ClientEventMap>(event: K, listener: (data: ClientEventMap[K]) => void): Unsubscribe
  close(): void
}

export interface ObserverEventMap {
  hello: HelloEvent
  trace: TraceEvent
  /** A malformed server event (`BAD_ANSWER`): the event was dropped. */
  'sandbox:error': ClientErrorBody
  connect_error: ConnectFailure
  disconnect: { reason: string }
}

export interface SandboxObserver {
  readonly instance: SandboxInstance
  on<K extends keyof ObserverEventMap>(event: K, listener: (data: ObserverEventMap[K]) => void): Unsubscribe
  /** `redis:simulate-outage` (lesson 3): cuts this space's `/with-redis` off Redis on this instance only. Never rejects. */
  simulateOutage(down: boolean, timeoutMs?: number): Promise<SimulateOutageAck | LocalErrorAck>
  close(): void
}

/**
 * What the shared session needs (directory, health, observers): all a widget without playground
 * clients uses (the transport race, the security lab), so its chunk need not carry `connectClient`.
 */
export interface SessionConnector {
  /** Where the instances are; falls back to ports 4001-4003 when `/sandbox.json` is missing. */
  directory(): Promise<ResolvedDirectory>
  /** `GET {base}/healthz`; rejects when the instance does not answer in time or answers malformed (`SandboxClientError`). */
  health(instance: SandboxInstance): Promise<HealthBody>
  /** Opens an observer of `space` on one instance. Open observers before clients: tracing starts then. */
  observe(options: { instance: SandboxInstance; space: string }): SandboxObserver
}

export interface SandboxConnector extends SessionConnector {
  connectClient(options: { instance: SandboxInstance; namespace: LearnerNamespace; label: string; space: string }): SandboxClient
}

export const DEFAULT_PORTS = [4001, 4002, 4003] as const
export const REQUEST_TIMEOUT_MS = 5000

/** Minimal typed listener registry shared by the implementations. */
export function createEmitter<M extends object>() {
  const listeners = new Map<keyof M, Set<(data: never) => void>>()
  return {
    on<K extends keyof M>(event: K, listener: (data: M[K]) => void): Unsubscribe {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as (data: never) => void)
      return () => set.delete(listener as (data: never) => void)
    },
    emit<K extends keyof M>(event: K, data: M[K]): void {
      for (const listener of listeners.get(event) ?? []) (listener as (data: M[K]) => void)(data)
    },
    clear(): void {
      listeners.clear()
    },
  }
}

export function instanceBase(port: number, loc: { protocol: string; hostname: string }): string {
  return `${loc.protocol}//${loc.hostname}:${port}`
}

export function isErrorAck(ack: unknown): ack is LocalErrorAck {
  return typeof ack === 'object' && ack !== null && 'error' in ack
}
