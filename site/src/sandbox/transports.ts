/**
 * Bare transports (lesson 1) on the client side: the routes under `/t/<space>/` of one instance,
 * behind a small `TransportClients` interface so widgets can be tested with fakes.
 * Only types come from the server's protocol module (erased at build time).
 */
export type {
  HandshakeCapture,
  PollAnswer,
  StreamEvent,
  TransportCounters,
  TransportName,
  TransportStats,
  WsServerMessage,
} from '../../../sandbox-server/src/protocol/index.ts'
import type { PollAnswer } from '../../../sandbox-server/src/protocol/index.ts'

/** What the widget needs of `EventSource` (the DOM one satisfies it). */
export interface EventSourceLike {
  readonly readyState: number
  onopen: ((e: Event) => void) | null
  onmessage: ((e: { data: string }) => void) | null
  onerror: ((e: Event) => void) | null
  addEventListener(type: string, listener: (e: { data?: string }) => void): void
  close(): void
}

/** What the widget needs of `WebSocket` (the DOM one satisfies it). */
export interface WebSocketLike {
  readonly readyState: number
  onopen: ((e: Event) => void) | null
  onmessage: ((e: { data: unknown }) => void) | null
  onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null
  onerror: ((e: Event) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

/** A Socket.IO client watched at the Engine.IO level: which transport it runs on, and when it upgrades. */
export interface SocketIoProbe {
  /** `polling` or `websocket`. */
  transport(): string
  /** HTTP requests made while on polling (handshake GET, long-poll GETs, POSTs). */
  pollingRequests(): number
  on(event: 'change', listener: () => void): void
  close(): void
}

export interface TransportClients {
  /** One long-poll request; rejects on network errors, aborts with `signal`. */
  longPoll(url: string, signal: AbortSignal): Promise<PollAnswer>
  sse(url: string): EventSourceLike
  websocket(url: string): WebSocketLike
  /** JSON request; rejects on network errors and non-2xx answers. */
  http<T>(url: string, body?: unknown): Promise<T>
  /** Connects a Socket.IO client to `url` (a namespace URL) with `auth`. */
  socketio(url: string, auth: Record<string, string>): Promise<SocketIoProbe>
}

export const transportUrl = (base: string, space: string, route: string): string => `${base}/t/${space}${route}`
export const wsUrl = (url: string): string => url.replace(/^http/, 'ws')

async function json<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, { cache: 'no-store', ...init })
  const body = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`)
  return body as T
}

/** The real clients: fetch, EventSource, WebSocket, and socket.io-client loaded on first use. */
export function createBrowserTransportClients(): TransportClients {
  return {
    longPoll: (url, signal) => json<PollAnswer>(url, { signal }),
    // The DOM types declare richer event objects than the widget reads: same objects at runtime.
    sse: (url) => new EventSource(url) as unknown as EventSourceLike,
    websocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    http: (url, body) =>
      json(url, body === undefined
        ? { signal: AbortSignal.timeout(5000) }
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) }),
    async socketio(url, auth) {
      const { io } = await import('socket.io-client')
      const socket = io(url, { forceNew: true, auth })
      const engine = socket.io.engine
      const listeners = new Set<() => void>()
      const changed = () => listeners.forEach((l) => l())
      // The handshake GET was already sent synchronously inside io(): count it.
      let requests = 1
      let current = engine.transport.name
      const count = () => {
        if (engine.transport.name === 'polling') requests++
        changed()
      }
      engine.transport.on('poll', count)
      engine.transport.on('drain', count)
      engine.on('upgrade', (t: { name: string }) => {
        current = t.name
        changed()
      })
      socket.on('connect', changed)
      return {
        transport: () => current,
        pollingRequests: () => requests,
        on: (_event, listener) => void listeners.add(listener),
        close() {
          listeners.clear()
          socket.disconnect()
        },
      }
    },
  }
}
