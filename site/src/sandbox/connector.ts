/**
 * The sandbox client layer every widget talks to. Widgets depend on this interface only, so they
 * can be tested against the in-memory `createFakeConnector()` and run against the real cluster
 * with `loadSocketIoConnector()` (which lazy-loads socket.io-client).
 */
import type {
  DirectPayload,
  ErrorCode,
  FetchSocketsAck,
  HealthBody,
  HelloEvent,
  LearnerNamespace,
  MessageEvent,
  RoomAck,
  RoomPayload,
  SandboxDirectory,
  SandboxErrorBody,
  SendAck,
  SendPayload,
  ServerSideEmitAck,
  SimulateOutageAck,
  TraceEvent,
} from './protocol.ts'

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
  /** True when `/sandbox.json` failed and the default ports were assumed. */
  fallback: boolean
}

/** Error codes the client layer adds to the server's. */
export type LocalErrorCode = 'TIMEOUT' | 'DISCONNECTED' | 'CONNECT_FAILED'
export type ClientErrorCode = ErrorCode | LocalErrorCode

/** An ack-shaped failure produced on the client side (timeout, closed socket). */
export interface LocalErrorAck {
  error: { code: ClientErrorCode; message: string }
}

/** Why a connection attempt failed: `code` comes from `connect_error.data.code` when present. */
export interface ConnectFailure {
  code: ClientErrorCode
  message: string
}

export type Unsubscribe = () => void

/** Events a playground client emits to the widget. */
export interface ClientEventMap {
  hello: HelloEvent
  message: MessageEvent
  'sandbox:error': SandboxErrorBody
  connect_error: ConnectFailure
  disconnect: { reason: string }
}

/** Requests (events with an ack) a playground client can make, with their payload and ack. */
export interface ClientRequestMap {
  'room:join': [RoomPayload, RoomAck]
  'room:leave': [RoomPayload, RoomAck]
  send: [SendPayload, SendAck]
  /** Cluster namespaces only (lesson 3): `io.to(socketId).emit`, `fetchSockets()`, `serverSideEmit()`. */
  'cluster:direct': [DirectPayload, SendAck]
  'cluster:fetch-sockets': [Record<string, never>, FetchSocketsAck]
  'cluster:server-side-emit': [Record<string, never>, ServerSideEmitAck]
}

export interface SandboxClient {
  readonly label: string
  readonly instance: SandboxInstance
  readonly namespace: LearnerNamespace
  on<K extends keyof ClientEventMap>(event: K, listener: (data: ClientEventMap[K]) => void): Unsubscribe
  /** Emits with an ack; never rejects: failures resolve to `{ error: { code, message } }`. */
  request<K extends keyof ClientRequestMap>(
    event: K,
    payload: ClientRequestMap[K][0],
    timeoutMs?: number,
  ): Promise<ClientRequestMap[K][1] | LocalErrorAck>
  close(): void
}

export interface ObserverEventMap {
  hello: HelloEvent
  trace: TraceEvent
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

export interface SandboxConnector {
  /** Where the instances are; falls back to ports 4001-4003 when `/sandbox.json` is missing. */
  directory(): Promise<ResolvedDirectory>
  /** `GET {base}/healthz`; rejects when the instance does not answer in time. */
  health(instance: SandboxInstance): Promise<HealthBody>
  connectClient(options: {
    instance: SandboxInstance
    namespace: LearnerNamespace
    label: string
    space: string
  }): SandboxClient
  /** Opens an observer of `space` on one instance. Open observers before clients: tracing starts then. */
  observe(options: { instance: SandboxInstance; space: string }): SandboxObserver
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
