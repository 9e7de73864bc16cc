/**
 * Lesson 1's bare transports, as plain HTTP routes and a raw RFC 6455 WebSocket (no Socket.IO),
 * all fed by the space's one event stream:
 *
 * | route | what |
 * |---|---|
 * | `POST /t/:space/stream` | set the rate `{ eventsPerSecond, payloadBytes }` |
 * | `GET /t/:space/poll?after=&waitMs=` | long polling: held until an event or the timeout |
 * | `GET /t/:space/sse` | Server-Sent Events with `id:` and `retry:`; resumes from `Last-Event-ID` |
 * | `GET /t/:space/ws?after=` | raw WebSocket (upgrade), two-way |
 * | `POST /t/:space/messages` | client -> server for SSE and long polling |
 * | `POST /t/:space/cut` | drop a transport's TCP connections without a goodbye |
 * | `GET /t/:space/stats` | wire counters per transport |
 * | `GET /t/:space/handshake` | the last WebSocket upgrade, as captured |
 * | `GET /t/:space/slot/:n` | a bare SSE stream that only says "open": the connection-limit demo |
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Socket } from 'node:net'
import { Hono, type Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import { WebSocketServer, type WebSocket } from 'ws'
import { answerErrors, originAllowed, readJsonBody, siteRequestsOnly } from '../app/guard.ts'
import { parseOrThrow, SandboxError } from '../errors/index.ts'
import { cutSchema, streamSettingsSchema, upstreamMessageSchema, wsClientMessageSchema } from '../protocol/schemas.ts'
import {
  SPACE_CODE_PATTERN,
  type HandshakeCapture,
  type PollAnswer,
  type TransportName,
  type TransportStats,
  type WsServerMessage,
  RESILIENCE_PATH,
} from '../protocol/index.ts'
import type { InstanceConfig } from '../config/index.ts'
import { settle, SpaceMeter } from './meter.ts'
import { redactHeaders } from './redact.ts'
import { StreamRegistry, type SpaceStream } from './stream.ts'

export interface TransportsOptions {
  instanceId: string
  /** Page origins allowed to use the routes and the WebSocket (see `originAllowed`). */
  allowedOrigins: ReadonlySet<string>
  /** Stream sizes and timings: see their doc comments and defaults in the instance config. */
  config: Pick<InstanceConfig, 'streamCapacity' | 'streamIdleMs' | 'maxStreams' | 'longPollMaxWaitMs' | 'sseRetryMs' | 'sseKeepAliveMs'>
  /** Where an unexpected error of a route is reported (the instance's logger, at level error). */
  logError: (line: string, error: unknown) => void
}

type NodeEnv = { incoming: IncomingMessage; outgoing: ServerResponse }

/** The per-space state of the bare transports on one instance. */
interface SpaceTransports {
  stream: SpaceStream
  meter: SpaceMeter
  sockets: Map<TransportName, Set<Socket>>
  /** The last upgrade, credentials already redacted, and the names of the redacted headers. */
  handshake: { capture: HandshakeCapture; redacted: string[] } | null
  websockets: Set<WebSocket>
}

const TRANSPORT_PATH = /^\/t\/([a-z0-9]{6})\/ws(?:\?|$)/
/** A stream's timer interval must stay in this range (`setInterval` overflows past 2^31 ms). */
const STREAM_INTERVAL_MS = { min: 1, max: 60_000 }

/** What `attachTransports` gives back to the instance. */
export interface Transports {
  /** Closes streams and WebSockets. */
  close(): void
  /** Lesson-1 "slot" SSE streams open now (for /healthz). */
  slotStreams(): number
}

/** Throws INVALID_PAYLOAD unless the rate is 0 (stopped) or its interval is 1 ms .. 60 s. */
function checkInterval(eventsPerSecond: number): void {
  if (eventsPerSecond === 0) return
  const intervalMs = 1000 / eventsPerSecond
  if (intervalMs >= STREAM_INTERVAL_MS.min && intervalMs <= STREAM_INTERVAL_MS.max) return
  throw new SandboxError(
    'INVALID_PAYLOAD',
    `eventsPerSecond must be 0 (stop) or one event every ${STREAM_INTERVAL_MS.min} ms to ${STREAM_INTERVAL_MS.max / 1000} s`,
  )
}

/** Routes app with the per-request space state set by the `/:space/*` middleware. */
type TransportRoutes = Hono<{ Variables: { state: SpaceTransports } }>

/** What every route group and the WebSocket endpoint share on one instance. */
interface TransportContext {
  options: TransportsOptions
  /** The space's transport state, created on first use; throws INVALID_PAYLOAD or SPACE_FULL. */
  spaceOf(space: string): SpaceTransports
  /** Counts lesson-1 "slot" streams open now. */
  slots: { open: number }
}

/** Creates the stream registry and the per-space state that is dropped with its stream. */
function createSpaces(config: TransportsOptions['config']): Pick<TransportContext, 'spaceOf'> & { streams: StreamRegistry } {
  const spaces = new Map<string, SpaceTransports>()
  // The registry decides when a space is idle; its transport state goes with its stream.
  const { streamCapacity: capacity, streamIdleMs: idleMs, maxStreams } = config
  const streams = new StreamRegistry({ capacity, idleMs, maxStreams, onEvict: (space) => spaces.delete(space) })
  const spaceOf = (space: string): SpaceTransports => {
    if (!SPACE_CODE_PATTERN.test(space)) throw new SandboxError('INVALID_PAYLOAD', 'space must be 6 characters of a-z and 0-9')
    const stream = streams.get(space)
    if (!stream) throw new SandboxError('SPACE_FULL', 'this instance runs its maximum of streams: try again in a minute')
    let state = spaces.get(space)
    if (!state) {
      state = { stream, meter: new SpaceMeter(), sockets: new Map(), handshake: null, websockets: new Set() }
      spaces.set(space, state)
    }
    return state
  }
  return { streams, spaceOf }
}

/** Charges the request to `transport` and remembers its socket for "cut". */
function track(c: Context, state: SpaceTransports, transport: TransportName): void {
  const { incoming, outgoing } = c.env as NodeEnv
  const socket = incoming.socket
  const finish = state.meter.track(transport, socket)
  const sockets = state.sockets.get(transport) ?? new Set<Socket>()
  state.sockets.set(transport, sockets)
  sockets.add(socket)
  outgoing.once('close', () => {
    sockets.delete(socket)
    finish()
  })
}

/** The `/t` sub-app: guards and space middleware, then every route group. */
function transportRoutes(ctx: TransportContext): TransportRoutes {
  const routes: TransportRoutes = new Hono()
  // Any error, thrown anywhere below, is answered once, here, as a typed error ack.
  routes.onError(answerErrors(ctx.options.logError))
  // Before any space state exists: a foreign page must not even open a stream.
  routes.use('*', siteRequestsOnly(ctx.options.allowedOrigins))
  routes.use('/:space/*', async (c, next) => {
    // Every response settles its socket's byte count, tracked or not (see meter.ts).
    const { incoming, outgoing } = c.env as NodeEnv
    outgoing.once('close', () => settle(incoming.socket))
    c.set('state', ctx.spaceOf(c.req.param('space')))
    await next()
  })
  addStreamRoute(routes)
  addPollRoute(routes, ctx)
  addSseRoute(routes, ctx)
  addSlotRoute(routes, ctx)
  addControlRoutes(routes, ctx)
  return routes
}

/** `POST /:space/stream`: sets the space's event rate and payload size. */
function addStreamRoute(routes: TransportRoutes): void {
  routes.post('/:space/stream', async (c) => {
    const state = c.get('state')
    const settings = parseOrThrow(streamSettingsSchema, await readJsonBody(c), '', 'body')
    checkInterval(settings.eventsPerSecond)
    state.stream.configure(settings.eventsPerSecond, settings.payloadBytes)
    return c.json({ ok: true, eventsPerSecond: settings.eventsPerSecond, lastEventId: state.stream.lastId })
  })
}

/** `GET /:space/poll`: long polling, held until an event or the timeout. */
function addPollRoute(routes: TransportRoutes, ctx: TransportContext): void {
  const maxWaitMs = ctx.options.config.longPollMaxWaitMs
  routes.get('/:space/poll', async (c) => {
    const state = c.get('state')
    const afterRaw = c.req.query('after')
    const after = afterRaw === undefined ? state.stream.lastId : Number(afterRaw)
    const waitMs = Math.min(Number(c.req.query('waitMs') ?? maxWaitMs), maxWaitMs)
    if (!Number.isSafeInteger(after) || after < 0)
      throw new SandboxError('INVALID_PAYLOAD', 'after must be a whole number >= 0 (the cursor of the previous answer)')
    if (!Number.isFinite(waitMs) || waitMs < 0) throw new SandboxError('INVALID_PAYLOAD', `waitMs must be 0-${maxWaitMs}`)
    track(c, state, 'long-polling')
    const { events, gap } = await state.stream.after(after, waitMs, c.req.raw.signal)
    state.meter.delivered('long-polling', events.length)
    const answer: PollAnswer = { events, cursor: events.at(-1)?.id ?? Math.max(after, 0), timedOut: events.length === 0, gap }
    c.header('Cache-Control', 'no-store')
    return c.json(answer)
  })
}

/** `GET /:space/sse`: Server-Sent Events, resuming from `Last-Event-ID`. */
function addSseRoute(routes: TransportRoutes, ctx: TransportContext): void {
  const { instanceId, config } = ctx.options
  routes.get('/:space/sse', (c) => {
    const state = c.get('state')
    track(c, state, 'sse')
    // EventSource sends Last-Event-ID by itself when it reconnects.
    const lastEventId = Number(c.req.header('Last-Event-ID') ?? c.req.query('lastEventId') ?? state.stream.lastId)
    const resumeFrom = Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId : state.stream.lastId
    c.header('X-Accel-Buffering', 'no')
    return streamSSE(c, async (sse) => {
      await sse.writeSSE({ event: 'hello', data: JSON.stringify({ instance: instanceId, resumeFrom }), retry: config.sseRetryMs })
      const send = (event: { id: number }): void => {
        state.meter.delivered('sse')
        void sse.writeSSE({ id: String(event.id), data: JSON.stringify(event) }).catch(() => undefined)
      }
      const { events } = state.stream.since(resumeFrom)
      events.forEach(send)
      const unsubscribe = state.stream.subscribe(send)
      await new Promise<void>((resolve) => sse.onAbort(resolve))
      unsubscribe()
    })
  })
}

/** `GET /:space/slot/:n`, the connection-limit demo: a stream that only says "open", then keeps the connection busy. */
function addSlotRoute(routes: TransportRoutes, ctx: TransportContext): void {
  routes.get('/:space/slot/:n', (c) => {
    const slot = Number(c.req.param('n'))
    return streamSSE(c, async (sse) => {
      ctx.slots.open += 1
      try {
        await sse.writeSSE({ event: 'open', data: JSON.stringify({ slot, openedAt: Date.now() }) })
        const heartbeat = setInterval(() => void sse.write(': keep-alive\n\n').catch(() => undefined), ctx.options.config.sseKeepAliveMs)
        await new Promise<void>((resolve) => sse.onAbort(resolve))
        clearInterval(heartbeat)
      } finally {
        ctx.slots.open -= 1
      }
    })
  })
}

/** `POST /:space/messages`, `POST /:space/cut`, `GET /:space/stats` and `GET /:space/handshake`. */
function addControlRoutes(routes: TransportRoutes, ctx: TransportContext): void {
  routes.post('/:space/messages', async (c) => {
    const state = c.get('state')
    const message = parseOrThrow(upstreamMessageSchema, await readJsonBody(c), '', 'body')
    track(c, state, message.via)
    state.meter.received(message.via)
    return c.json({ ok: true, text: message.text, receivedAt: Date.now() })
  })

  routes.post('/:space/cut', async (c) => {
    const { transport } = parseOrThrow(cutSchema, await readJsonBody(c), '', 'body')
    const cut = cutConnections(c.get('state'), transport, (c.env as NodeEnv).incoming.socket)
    return c.json({ ok: true, transport, cut })
  })

  routes.get('/:space/stats', (c) => {
    const state = c.get('state')
    const stats: TransportStats = {
      instance: ctx.options.instanceId,
      space: c.req.param('space'),
      eventsPerSecond: state.stream.eventsPerSecond,
      lastEventId: state.stream.lastId,
      transports: state.meter.snapshot(),
    }
    c.header('Cache-Control', 'no-store')
    return c.json(stats)
  })

  // Anyone with the space code reads this: credentials are redacted, and named (see redact.ts).
  routes.get('/:space/handshake', (c) => {
    const last = c.get('state').handshake
    return c.json({ handshake: last?.capture ?? null, redacted: last?.redacted ?? [] })
  })
}

/** Drops the transport's connections in the space without a goodbye, sparing `own`; returns how many. */
function cutConnections(state: SpaceTransports, transport: TransportName, own: Socket): number {
  let cut = 0
  if (transport === 'websocket') {
    // terminate(): no close frame, the TCP connection just dies, so the browser reports 1006.
    for (const ws of state.websockets) {
      ws.terminate()
      cut += 1
    }
  } else {
    // The request asking to cut must not cut itself (it may share a keep-alive socket).
    for (const socket of state.sockets.get(transport) ?? []) {
      if (socket === own) continue
      socket.destroy()
      cut += 1
    }
  }
  return cut
}

/**
 * Mounts the routes on `app` and the WebSocket endpoint on `httpServer`.
 *
 * @example
 * const transports = attachTransports(app, httpServer, { instanceId: 'i1', allowedOrigins, config })
 * transports.slotStreams() // => 0
 * transports.close()
 */
export function attachTransports(app: Hono, httpServer: HttpServer, options: TransportsOptions): Transports {
  const { streams, spaceOf } = createSpaces(options.config)
  const ctx: TransportContext = { options, spaceOf, slots: { open: 0 } }
  app.route('/t', transportRoutes(ctx))
  const websockets = attachWebSocketEndpoint(httpServer, ctx)
  return {
    slotStreams: () => ctx.slots.open,
    close: () => {
      websockets.close()
      streams.close()
    },
  }
}

/** A plain HTTP answer on a socket whose upgrade is refused. */
function refuse(socket: Duplex, status: string, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  )
}

/** The request side of a handshake as sent, credentials redacted. */
function captureRequest(request: IncomingMessage, url: string): { capture: HandshakeCapture['request']; redacted: string[] } {
  const sent: [string, string][] = []
  for (let i = 0; i < request.rawHeaders.length; i += 2) sent.push([request.rawHeaders[i] ?? '', request.rawHeaders[i + 1] ?? ''])
  const { headers, redacted } = redactHeaders(sent)
  return { capture: { line: `${request.method} ${url} HTTP/${request.httpVersion}`, headers }, redacted }
}

/** The raw WebSocket endpoint `GET /t/:space/ws` on `httpServer`'s upgrade event. */
function attachWebSocketEndpoint(httpServer: HttpServer, ctx: TransportContext): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4_096, perMessageDeflate: false })
  const pendingCapture = new WeakMap<IncomingMessage, { capture: HandshakeCapture['request']; redacted: string[] }>()
  const responseHeaders = new WeakMap<IncomingMessage, string[]>()
  wss.on('headers', (headers, request) => responseHeaders.set(request, [...headers]))

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = request.url ?? ''
    // Socket.IO's own upgrade listeners handle these (the main server's and lesson 5's resilience server's).
    if (url.startsWith('/socket.io/') || url.startsWith(RESILIENCE_PATH)) return
    const match = TRANSPORT_PATH.exec(url)
    if (!match) return refuse(socket, '404 Not Found', 'no WebSocket endpoint here')
    const origin = request.headers.origin
    // CORS does not cover WebSocket: a page from any site may try to open one, so check Origin.
    if (!originAllowed(ctx.options.allowedOrigins, origin, request.headers['sec-fetch-site']?.toString()))
      return refuse(socket, '403 Forbidden', 'FORBIDDEN_ORIGIN')
    let state: SpaceTransports
    try {
      state = ctx.spaceOf(match[1] as string)
    } catch (error) {
      return refuse(socket, '503 Service Unavailable', SandboxError.from(error).message)
    }
    pendingCapture.set(request, captureRequest(request, url))
    wss.handleUpgrade(request, socket, head, (ws) => {
      const pending = pendingCapture.get(request) ?? { capture: { line: '', headers: [] }, redacted: [] }
      state.handshake = { capture: handshakeCapture(pending.capture, responseHeaders.get(request) ?? []), redacted: pending.redacted }
      onConnection(ws, request, state)
    })
  }

  httpServer.on('upgrade', onUpgrade)
  return {
    close: () => {
      httpServer.off('upgrade', onUpgrade)
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    },
  }
}

/** The whole handshake: the captured request and the response lines `ws` wrote. */
function handshakeCapture(request: HandshakeCapture['request'], raw: string[]): HandshakeCapture {
  return {
    at: Date.now(),
    request,
    response: {
      line: raw[0] ?? '',
      headers: raw.slice(1).map((line) => {
        const colon = line.indexOf(':')
        return [line.slice(0, colon), line.slice(colon + 1).trim()] as [string, string]
      }),
    },
  }
}

/** Streams the space's events to a new WebSocket (from `?after=`) and answers its messages. */
function onConnection(ws: WebSocket, request: IncomingMessage, state: SpaceTransports): void {
  const socket = request.socket
  const finish = state.meter.track('websocket', socket)
  state.websockets.add(ws)
  const send = (message: WsServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
  }
  const afterRaw = new URL(request.url ?? '', 'http://x').searchParams.get('after')
  const after = afterRaw !== null && /^\d+$/.test(afterRaw) ? Number(afterRaw) : state.stream.lastId
  for (const event of state.stream.since(after).events) {
    state.meter.delivered('websocket')
    send(event)
  }
  const unsubscribe = state.stream.subscribe((event) => {
    state.meter.delivered('websocket')
    send(event)
  })
  ws.on('message', (data, isBinary) => {
    let text: string
    try {
      text = parseClientFrame(data.toString(), isBinary)
    } catch (error) {
      const sandboxError =
        error instanceof SyntaxError ? new SandboxError('INVALID_PAYLOAD', 'the frame is not JSON') : SandboxError.from(error)
      return send({ type: 'error', error: sandboxError.toBody() })
    }
    state.meter.received('websocket')
    send({ type: 'ack', text, receivedAt: Date.now() })
  })
  ws.on('error', () => undefined) // e.g. a frame over maxPayload: ws closes with 1009 by itself
  ws.on('close', () => {
    unsubscribe()
    state.websockets.delete(ws)
    finish()
  })
}

/** The text of a client frame `{"type":"message","text":"…"}`; throws SyntaxError or INVALID_PAYLOAD. */
function parseClientFrame(data: string, isBinary: boolean): string {
  if (isBinary) throw new SandboxError('INVALID_PAYLOAD', 'send JSON text frames, not binary')
  const parsed = wsClientMessageSchema.safeParse(JSON.parse(data))
  if (!parsed.success)
    throw new SandboxError('INVALID_PAYLOAD', `expected {"type":"message","text":"…"} (${parsed.error.issues[0]?.message ?? 'invalid'})`)
  return parsed.data.text
}
