/**
 * The one place every refused namespace handshake can be seen on the server: the CONNECT_ERROR
 * packet an Engine.IO connection writes. Whichever middleware refused (the playground's, the
 * observer's, a namespace added later, Socket.IO's own "Invalid namespace"), the packet passes
 * here, so metrics and logs count every refusal without code in each middleware.
 *
 * @module
 */
import type { Server } from 'socket.io'

/** A refused namespace handshake. */
export interface ConnectErrorSeen {
  /** The namespace on the wire, e.g. `/s/k7q2mx/chat`. */
  namespace: string
  /** `data.code` of the refusal, or `OTHER` (Socket.IO's own refusals carry none). */
  code: string
  message: string
  /** Client address of the Engine.IO connection. */
  address: string
}

/** The fields of `{"message":"...","data":{"code":"..."}}`, read without trusting its shape. */
function readBody(json: string): { code: string; message: string } {
  try {
    const body: unknown = JSON.parse(json)
    if (typeof body !== 'object' || body === null) return { code: 'OTHER', message: '' }
    const message = 'message' in body && typeof body.message === 'string' ? body.message : ''
    const data = 'data' in body ? body.data : undefined
    const code = typeof data === 'object' && data !== null && 'code' in data && typeof data.code === 'string' ? data.code : 'OTHER'
    return { code, message }
  } catch {
    return { code: 'OTHER', message: '' }
  }
}

/**
 * Parses an encoded Socket.IO CONNECT_ERROR packet (`4/s/k7q2mx/chat,{...}` or `4{...}` for `/`),
 * or returns `null` for any other packet. Costs one character comparison for other packets.
 *
 * @example
 * parseConnectError('4/s/k7q2mx/chat,{"message":"full","data":{"code":"SPACE_FULL"}}')
 * // => { namespace: '/s/k7q2mx/chat', code: 'SPACE_FULL', message: 'full' }
 */
export function parseConnectError(packet: unknown): Omit<ConnectErrorSeen, 'address'> | null {
  // An encoded Socket.IO packet starts with its type; 4 is CONNECT_ERROR.
  if (typeof packet !== 'string' || packet.charCodeAt(0) !== 52) return null
  const brace = packet.indexOf('{')
  const namespace = packet[1] === '/' ? packet.slice(1, packet.indexOf(',') > 0 ? packet.indexOf(',') : undefined) : '/'
  return { namespace, ...readBody(brace >= 0 ? packet.slice(brace) : '') }
}

/**
 * Calls `listener` for every namespace handshake `io` refuses.
 *
 * @example
 * onConnectError(io, ({ code, namespace }) => metrics.rejectedHandshake('namespace', code))
 */
export function onConnectError(io: Server, listener: (seen: ConnectErrorSeen) => void): void {
  type Connection = {
    /** The client's address: the engine guard (src/server/engine-guard.ts) writes the forwarded one here. */
    remoteAddress: string | undefined
    on(event: 'packetCreate', fn: (this: Connection, packet: { data?: unknown }) => void): void
  }
  // One listener for every connection (the connection is `this`), not a closure per connection.
  const onPacket = function (this: Connection, packet: { data?: unknown }): void {
    const seen = parseConnectError(packet.data)
    if (seen) listener({ ...seen, address: this.remoteAddress ?? 'unknown' })
  }
  io.engine.on('connection', (conn: Connection) => conn.on('packetCreate', onPacket))
}
