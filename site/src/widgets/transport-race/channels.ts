/**
 * The three bare transports as "channels" reporting events and states to the widget.
 * Long polling is a loop (never recursion); SSE reconnects by itself; the WebSocket is reopened
 * by this code after an abnormal close, resuming with `?after=<last id>`.
 */
import {
  transportUrl,
  wsUrl,
  type StreamEvent,
  type TransportClients,
  type TransportName,
  type WsServerMessage,
} from '../../sandbox/transports.ts'

export type ChannelState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ChannelHooks {
  event(event: StreamEvent): void
  state(state: ChannelState, note?: string): void
  /** WebSocket only: the socket opened (to fetch the handshake) or closed with `code`. */
  opened?(): void
  closed?(code: number): void
}

export interface Channel {
  readonly name: TransportName
  stop(): void
  /** Sends `text` to the server; resolves with how it went. */
  send(text: string): Promise<string>
  /** WebSocket only. */
  closeClean?(): void
  reopen?(): void
}

export interface ChannelContext {
  clients: TransportClients
  base: string
  space: string
  /** Resume after this event id. */
  after: number
  hooks: ChannelHooks
  /** Pause before asking again / reopening, ms. */
  retryMs?: number
  /** Long-poll hold time, ms. */
  waitMs?: number
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
  })

const ms = (start: number) => `${Math.max(0, Date.now() - start)} ms`

/** SSE and long polling send with a separate POST. */
function postMessage(ctx: ChannelContext, via: 'sse' | 'long-polling', text: string): Promise<string> {
  const start = Date.now()
  return ctx.clients.http<{ ok: boolean }>(transportUrl(ctx.base, ctx.space, '/messages'), { via, text }).then(
    () => `answered in ${ms(start)} · separate POST: 1 extra HTTP request`,
    (e: Error) => `POST failed: ${e.message}`,
  )
}

export function longPolling(ctx: ChannelContext): Channel {
  const { clients, hooks } = ctx
  const abort = new AbortController()
  let cursor = ctx.after
  let running = true
  void (async () => {
    hooks.state('open', 'one request held by the server until an event arrives')
    let failed = false
    while (running) {
      try {
        const url = transportUrl(ctx.base, ctx.space, `/poll?after=${cursor}&waitMs=${ctx.waitMs ?? 20000}`)
        const answer = await clients.longPoll(url, abort.signal)
        if (!running) break
        if (failed) hooks.state('open', `asked again with after=${cursor}: nothing lost`)
        failed = false
        for (const event of answer.events) hooks.event(event)
        cursor = answer.cursor
      } catch {
        if (!running) break
        failed = true
        hooks.state('reconnecting', 'the request failed: asking again in 0.5 s')
        await sleep(ctx.retryMs ?? 500, abort.signal)
      }
    }
  })()
  return {
    name: 'long-polling',
    stop() {
      running = false
      abort.abort()
      hooks.state('closed')
    },
    send: (text) => postMessage(ctx, 'long-polling', text),
  }
}

export function sse(ctx: ChannelContext): Channel {
  const { hooks } = ctx
  const es = ctx.clients.sse(transportUrl(ctx.base, ctx.space, `/sse?lastEventId=${ctx.after}`))
  let dropped = false
  let reconnections = 0
  hooks.state('connecting')
  es.addEventListener('hello', (e) => {
    const from = (JSON.parse(e.data ?? '{}') as { resumeFrom?: number }).resumeFrom
    if (reconnections)
      hooks.state('open', `EventSource reconnected by itself (${reconnections}×); the server resumed after Last-Event-ID ${from}`)
  })
  es.onopen = () => {
    if (dropped) reconnections++
    dropped = false
    hooks.state('open', reconnections ? 'EventSource reconnected by itself' : 'one long HTTP response')
  }
  es.onmessage = (e) => hooks.event(JSON.parse(e.data) as StreamEvent)
  es.onerror = () => {
    if (es.readyState === 2) return hooks.state('closed', 'EventSource gave up')
    dropped = true
    hooks.state('reconnecting', 'EventSource reconnects by itself after retry: 1000 ms')
  }
  return {
    name: 'sse',
    stop() {
      es.close()
      hooks.state('closed')
    },
    send: (text) => postMessage(ctx, 'sse', text),
  }
}

export function websocket(ctx: ChannelContext): Channel {
  const { hooks } = ctx
  let last = ctx.after
  let ws: ReturnType<TransportClients['websocket']> | null = null
  let stopped = false
  let clean = false
  let failures = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const acks: { text: string; start: number; resolve: (s: string) => void }[] = []

  function open(note?: string) {
    clean = false
    hooks.state(note ? 'reconnecting' : 'connecting', note)
    const socket = ctx.clients.websocket(wsUrl(transportUrl(ctx.base, ctx.space, `/ws?after=${last}`)))
    ws = socket
    socket.onopen = () => {
      failures = 0
      hooks.state('open', note ? `reopened by our code with ?after=${last}` : 'one upgraded TCP connection, both ways')
      hooks.opened?.()
    }
    socket.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as WsServerMessage
      if (!('type' in msg)) {
        // A stream event, sent bare (acks and errors carry a `type`).
        last = Math.max(last, msg.id)
        hooks.event(msg)
      } else {
        const i = msg.type === 'ack' ? acks.findIndex((a) => a.text === msg.text) : 0
        const pending = acks.splice(Math.max(i, 0), 1)[0]
        pending?.resolve(
          msg.type === 'ack' ? `ack in ${ms(pending.start)} · on the socket: 0 extra HTTP requests` : `error: ${msg.error.message}`,
        )
      }
    }
    socket.onclose = (e) => {
      if (socket !== ws) return
      for (const a of acks.splice(0)) a.resolve('the socket closed before the ack')
      hooks.closed?.(e.code)
      if (stopped) return
      if (clean) return hooks.state('closed', `closed cleanly with ${e.code}: nothing reopens it`)
      const wait = Math.min(5000, (ctx.retryMs ?? 500) * 2 ** failures++)
      hooks.state(
        'reconnecting',
        `closed with ${e.code}${e.code === 1006 ? ' (abnormal: no close frame)' : ''}: reconnecting (our code) in ${wait / 1000} s…`,
      )
      timer = setTimeout(() => !stopped && open(`reconnecting (our code) with ?after=${last}…`), wait)
    }
  }
  open()

  return {
    name: 'websocket',
    stop() {
      stopped = true
      clearTimeout(timer)
      ws?.close(1000, 'race stopped')
      hooks.state('closed')
    },
    send(text) {
      if (!ws || ws.readyState !== 1) return Promise.resolve('the socket is not open')
      return new Promise((resolve) => {
        acks.push({ text, start: Date.now(), resolve })
        ws?.send(JSON.stringify({ type: 'message', text }))
      })
    },
    closeClean() {
      clean = true
      clearTimeout(timer)
      ws?.close(1000, 'closed by the learner')
    },
    reopen() {
      if (!stopped && (!ws || ws.readyState === 3)) open()
    },
  }
}
