/**
 * Bare transports (lesson 1) on the client side: the routes under `/t/<space>/` of one instance,
 * behind a small `TransportClients` interface so widgets can be tested with fakes.
 * Long-poll answers are checked with the protocol's `isPollAnswer`; `http()` checks its answer
 * when given a check (e.g. `isTransportStats`).
 */
export type {
  HandshakeCapture,
  PollAnswer,
  StreamEvent,
  TransportCounters,
  TransportName,
  TransportStats,
  WsServerMessage,
} from '@realtime-workbook/sandbox-server/protocol'
import { explain, isPollAnswer, type Check, type PollAnswer } from '@realtime-workbook/sandbox-server/protocol'
import { io } from 'socket.io-client'

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
  /**
   * JSON request; rejects on network errors, non-2xx answers and, given `check`, malformed
   * answers. Without `check` the answer is trusted to be a `T`: pass one.
   */
  http<T>(url: string, body?: unknown, check?: Check<T>): Promise<T>
  /** Connects a Socket.IO client to `url` (a namespace URL) with `auth`. */
  socketio(url: string, auth: Record<string, string>): Promise<SocketIoProbe>
}

export const transportUrl = (base: string, space: string, route: string): string => `${base}/t/${space}${route}`
export const wsUrl = (url: string): string => url.replace(/^http/, 'ws')

/** The `message` of an error answer (`{ error: { message } }`), if it is one. */
function errorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined
  const { error } = body
  return typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' ? error.message : undefined
}

async function json(url: string, init: RequestInit): Promise<unknown> {
  const res = await fetch(url, { cache: 'no-store', ...init })
  const body: unknown = await res.json().catch(() => null)
  if (!res.ok) throw new Error(errorMessage(body) ?? `HTTP ${res.status}`)
  return body
}

/** `json()`, then `check`: rejects with what is wrong when the answer is malformed. */
async function checkedJson<T>(url: string, init: RequestInit, check: Check<T>): Promise<T> {
  const body = await json(url, init)
  if (check(body)) return body
  throw new Error(explain(check, body, url))
}

/** For `http()` without a check: the caller's `T` is trusted (kept for callers not yet passing one). */
const trusted = <T>(body: unknown): T => body as T

/** The real clients: fetch, EventSource, WebSocket, and socket.io-client loaded on first use. */
export function createBrowserTransportClients(): TransportClients {
  return {
    longPoll: (url, signal) => checkedJson(url, { signal }, isPollAnswer),
    // The DOM types declare richer event objects than the widget reads: same objects at runtime.
    sse: (url) => new EventSource(url) as unknown as EventSourceLike,
    websocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
    async http<T>(url: string, body?: unknown, check?: Check<T>): Promise<T> {
      const init: RequestInit = body === undefined
        ? { signal: AbortSignal.timeout(5000) }
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) }
      return check ? checkedJson(url, init, check) : trusted<T>(await json(url, init))
    },
    async socketio(url, auth) {
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
