/**
 * In-memory `TransportClients` for the race's tests: one stream per test, fake EventSource and
 * WebSocket objects the test drives, and a router for the JSON routes.
 */
import type { EventSourceLike, PollAnswer, SocketIoProbe, StreamEvent, TransportClients, WebSocketLike } from '../../sandbox/transports.ts'

export class FakeEventSource implements EventSourceLike {
  readyState = 0
  onopen: ((e: Event) => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onerror: ((e: Event) => void) | null = null
  readonly listeners = new Map<string, ((e: { data?: string }) => void)[]>()
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (e: { data?: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }
  close() {
    this.readyState = 2
  }
  open() {
    this.readyState = 1
    this.onopen?.(new Event('open'))
  }
  emit(type: string, data: unknown) {
    const e = { data: JSON.stringify(data) }
    if (type === 'message') this.onmessage?.(e)
    else for (const l of this.listeners.get(type) ?? []) l(e)
  }
  drop() {
    this.readyState = 0
    this.onerror?.(new Event('error'))
  }
}

export class FakeWebSocket implements WebSocketLike {
  readyState = 0
  onopen: ((e: Event) => void) | null = null
  onmessage: ((e: { data: unknown }) => void) | null = null
  onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null = null
  onerror: ((e: Event) => void) | null = null
  readonly sent: string[] = []
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data)
  }
  close(code = 1000) {
    this.end(code)
  }
  open() {
    this.readyState = 1
    this.onopen?.(new Event('open'))
  }
  emit(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  end(code: number) {
    if (this.readyState === 3) return
    this.readyState = 3
    this.onclose?.({ code, reason: '', wasClean: code !== 1006 })
  }
}

export interface FakeClients extends TransportClients {
  sources: FakeEventSource[]
  sockets: FakeWebSocket[]
  polls: { url: string; resolve(a: PollAnswer): void; reject(e: Error): void; signal: AbortSignal }[]
  requests: { url: string; body: unknown }[]
  /** Answers of the JSON routes by path suffix (e.g. `/stats`); throw to fail. */
  routes: Record<string, (body: unknown) => unknown>
  probe: { transport: string; requests: number; fire(): void } | null
}

export const streamEvent = (id: number, ageMs = 5): StreamEvent => ({ id, sentAt: Date.now() - ageMs, data: 'x' })

export function createFakeClients(): FakeClients {
  const fake: FakeClients = {
    sources: [],
    sockets: [],
    polls: [],
    requests: [],
    probe: null,
    routes: {},
    longPoll(url, signal) {
      return new Promise((resolve, reject) => {
        fake.polls.push({ url, resolve, reject, signal })
        signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
      })
    },
    sse(url) {
      const s = new FakeEventSource(url)
      fake.sources.push(s)
      return s
    },
    websocket(url) {
      const s = new FakeWebSocket(url)
      fake.sockets.push(s)
      return s
    },
    async http<T>(url: string, body?: unknown) {
      fake.requests.push({ url, body })
      const path = new URL(url).pathname
      const route = Object.keys(fake.routes).find((r) => path.endsWith(r))
      if (!route) throw new Error(`no fake route for ${path}`)
      return fake.routes[route]!(body) as T
    },
    async socketio(): Promise<SocketIoProbe> {
      const listeners: (() => void)[] = []
      const state = { transport: 'polling', requests: 1, fire: () => listeners.forEach((l) => l()) }
      fake.probe = state
      return { transport: () => state.transport, pollingRequests: () => state.requests, on: (_e, l) => void listeners.push(l), close() {} }
    },
  }
  return fake
}
