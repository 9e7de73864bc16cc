/**
 * The guard in front of Engine.IO (everything under `/socket.io/`).
 *
 * Engine.IO calls `allowRequest` only when it creates a session. Every later request names its
 * session by `sid` alone, so a page on another origin that learnt a sid could upgrade the
 * victim's session to its own WebSocket (and get the victim's messages), POST packets that run
 * as the victim, or kill the session with an overlapping GET. This guard is an Engine.IO
 * middleware, which runs on EVERY HTTP request and upgrade, before the session is looked up:
 *
 * - the Origin rule of the whole sandbox (`originAllowed`) on every request: refused with
 *   `FORBIDDEN_ORIGIN` (HTTP 403 `{"code":4,...}` for polling, 400 for an upgrade: Engine.IO's own
 *   shapes, as the handshake always answered);
 * - on a handshake (no sid), a slot among the client address's connections to this instance:
 *   `TOO_MANY_CONNECTIONS` (429 for polling, 400 for an upgrade) past the cap. The slot is given
 *   back when the Engine.IO connection closes, or when the handshake fails;
 * - a log line and a count for what Engine.IO refuses for size without a word (`PAYLOAD_TOO_LARGE`).
 *
 * Its refusals happen before any namespace says which space a connection is for: a raw request
 * may name it (`ENGINE_SPACE_PARAM`), so the line reaches that space's watchers.
 *
 * The client address is `clientAddressOf` (src/app/client-address.ts): the TCP peer, or behind a
 * trusted proxy the client it forwards. It is computed once, at the handshake, and written into
 * the connection's `remoteAddress`, which Socket.IO copies into every socket's
 * `handshake.address`: the namespaces' refusal logs, the Admin UI's login rate limit and its
 * client list read the client, not nginx, with no copy of the rule and no memory per socket.
 *
 * @module
 */
import { ServerResponse, type IncomingMessage } from 'node:http'
import type { Server } from 'socket.io'
import { clientAddressOf, type TrustedProxies } from '../app/client-address.ts'
import { originAllowed } from '../app/guard.ts'
import type { SandboxLogger } from '../log/index.ts'
import type { SandboxMetrics } from '../metrics/index.ts'
import { ENGINE_SPACE_PARAM, SPACE_CODE_PATTERN } from '../protocol/index.ts'
import type { Quota } from '../spaces/index.ts'

export interface EngineGuardOptions {
  allowedOrigins: ReadonlySet<string>
  /**
   * Engine.IO connections per client address. Pass the same quota to every Engine.IO server of
   * the instance (the main one and lesson 5's resilience server): one cap for the instance.
   */
  perAddress: Quota<string>
  /** Whose `X-Forwarded-For` says who the client is (`TrustedProxies.none`: the TCP peer always). */
  proxies: TrustedProxies
  logger: SandboxLogger
  metrics: SandboxMetrics
}

/**
 * What the guard uses of an Engine.IO connection. `remoteAddress` is writable here on purpose
 * (engine.io types it read-only): the guard replaces nginx's address with the client's.
 */
interface EngineConnection {
  request: IncomingMessage
  remoteAddress: string | undefined
  on(event: 'close', listener: (this: EngineConnection, reason: string, description?: unknown) => void): unknown
}

/** Longest a handshake holds its slot before becoming a session (or failing), ms. */
const HANDSHAKE_SLOT_MS = 10_000

/** Engine.IO's error code for "Forbidden", as its own refusals carry it. */
const ENGINE_FORBIDDEN = 4

/** Answers a refused Engine.IO request in the shape Engine.IO uses for its own refusals. */
function refuse(req: IncomingMessage, res: unknown, status: number, code: string): void {
  if (res instanceof ServerResponse) {
    if (res.headersSent) return void res.end()
    res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' })
    res.end(JSON.stringify({ code: ENGINE_FORBIDDEN, message: code }))
    return
  }
  // An upgrade: `res` is Engine.IO's stand-in, the raw TCP socket is the request's.
  const socket = req.socket
  socket.on('error', () => undefined)
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(code)}\r\n\r\n${code}`,
    )
  }
}

/** The learner space a raw Engine.IO request names in its query, when it is a space code. */
function namedSpace(req: IncomingMessage): string | undefined {
  const space = new URL(req.url ?? '/', 'http://sandbox').searchParams.get(ENGINE_SPACE_PARAM)
  return space !== null && SPACE_CODE_PATTERN.test(space) ? space : undefined
}

/** What the size watch needs to hear of: a polling POST's answer, an Engine.IO connection's close. */
interface SizeWatch {
  watchPost(res: ServerResponse): void
  onClose(connection: EngineConnection, reason: string, description: unknown): void
}

/**
 * Logs the packets Engine.IO refuses for size, which it does without a word: a polling POST over
 * `maxHttpBufferSize` is answered 413 (the session lives on); a WebSocket message over it makes
 * `ws` close with 1009, then Engine.IO closes the session with "transport error" and ws's error.
 */
function watchSizes(io: Server, options: EngineGuardOptions): SizeWatch {
  const max = io.engine.opts.maxHttpBufferSize
  const log = (req: IncomingMessage, transport: 'polling' | 'websocket'): void => {
    const space = namedSpace(req)
    options.metrics.oversizedPacket(transport, space)
    const fields = { code: 'PAYLOAD_TOO_LARGE', address: clientAddressOf(req, options.proxies), space, reason: transport }
    options.logger.refusal(fields, `refused a ${transport} packet over maxHttpBufferSize (${max} bytes)`)
  }
  // One listener function for every POST (`this` is the response): no closure per request.
  const onPostFinished = function (this: ServerResponse): void {
    if (this.statusCode === 413) log(this.req, 'polling')
  }
  return {
    watchPost: (res) => void res.once('finish', onPostFinished),
    onClose: (connection, reason, description) => {
      // ws's RangeError, wrapped by Engine.IO's transport into an Error of the same text.
      if (reason === 'transport error' && description instanceof Error && description.message.includes('Max payload size exceeded')) {
        log(connection.request, 'websocket')
      }
    },
  }
}

/** Whether this Engine.IO request opens a session (a handshake has no sid). */
function isHandshake(req: IncomingMessage): boolean {
  return !new URL(req.url ?? '/', 'http://sandbox').searchParams.has('sid')
}

/**
 * Installs the guard on `io`'s Engine.IO server.
 *
 * @example
 * guardEngine(io, { allowedOrigins: new Set(['http://localhost:4321']), perAddress: new Quota(128), proxies: TrustedProxies.none, logger, metrics })
 */
export function guardEngine(io: Server, options: EngineGuardOptions): void {
  const { perAddress } = options
  /** Handshakes that took a slot and have not become a connection (or failed) yet. */
  const pending = new WeakMap<IncomingMessage, { address: string; timer: ReturnType<typeof setTimeout> }>()
  /** Ends `req`'s wait; returns the address its slot was taken for, for the caller to keep or give back. */
  const settle = (req: IncomingMessage): string | undefined => {
    const entry = pending.get(req)
    if (!entry) return undefined
    pending.delete(req)
    clearTimeout(entry.timer)
    return entry.address
  }
  const giveBack = (address: string | undefined): void => {
    if (address !== undefined) perAddress.give(address)
  }
  /** Open connections and the address each holds a slot for. */
  const held = new WeakMap<object, string>()
  const sizes = watchSizes(io, options)
  /** The `close` listener of every connection (`this` is the connection): no closure per connection. */
  const onClose = function (this: EngineConnection, reason: string, description?: unknown): void {
    sizes.onClose(this, reason, description)
    const address = held.get(this)
    if (address === undefined) return
    held.delete(this)
    perAddress.give(address)
  }

  io.engine.use((req: IncomingMessage, res: unknown, next: (error?: Error) => void) => {
    const origin = req.headers.origin
    if (!originAllowed(options.allowedOrigins, origin, req.headers['sec-fetch-site']?.toString())) {
      const space = namedSpace(req)
      options.metrics.rejectedHandshake('engine', 'FORBIDDEN_ORIGIN', space)
      const fields = { code: 'FORBIDDEN_ORIGIN', address: clientAddressOf(req, options.proxies), origin: origin ?? '(none, cross-site)' }
      options.logger.refusal({ ...fields, space }, 'refused an Engine.IO request')
      refuse(req, res, 403, 'FORBIDDEN_ORIGIN')
      return next(new Error('FORBIDDEN_ORIGIN'))
    }
    if (req.method === 'POST' && res instanceof ServerResponse) sizes.watchPost(res)
    if (!isHandshake(req)) return next()
    const address = clientAddressOf(req, options.proxies)
    if (!perAddress.take(address)) {
      const space = namedSpace(req)
      options.metrics.rejectedHandshake('engine', 'TOO_MANY_CONNECTIONS', space)
      options.logger.refusal({ code: 'TOO_MANY_CONNECTIONS', address, space }, `refused a connection: ${perAddress.limit} already open`)
      refuse(req, res, 429, 'TOO_MANY_CONNECTIONS')
      return next(new Error('TOO_MANY_CONNECTIONS'))
    }
    // A handshake that dies before becoming a session (e.g. refused by ws, or its TCP connection
    // closed) gives its slot back after HANDSHAKE_SLOT_MS. A timer, not a `close` listener on the
    // TCP socket: one listener more there made Node grow that socket's listener array for good
    // (~150 heap bytes per connection, scripts/bench-fanout).
    const timer = setTimeout(() => giveBack(settle(req)), HANDSHAKE_SLOT_MS)
    timer.unref()
    pending.set(req, { address, timer })
    next()
  })
  io.engine.on('connection', (socket: EngineConnection) => {
    const address = settle(socket.request)
    if (address === undefined) return
    // Engine.IO took the TCP peer; Socket.IO copies this into `handshake.address` when a namespace
    // is joined, always later than this event. Only a forwarded client differs from the peer.
    if (address !== socket.remoteAddress && address !== 'unknown') socket.remoteAddress = address
    // `on`: the listener gives the slot back once anyway, and `once` would keep a wrapper per connection.
    held.set(socket, address)
    socket.on('close', onClose)
  })
  io.engine.on('connection_error', (error: { req: IncomingMessage }) => giveBack(settle(error.req)))
}
