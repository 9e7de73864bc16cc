/**
 * Wire accounting for the bare transports: what really crosses TCP, read from the sockets'
 * `bytesRead` / `bytesWritten` (request and status lines, headers, chunk framing, bodies,
 * WebSocket frames), not estimated from payload sizes.
 *
 * A keep-alive socket serves several requests one after another (browsers do not pipeline), so
 * each request is charged the bytes its socket moved since the previous response finished.
 * Long-lived responses (SSE, WebSocket) are charged live, so the numbers grow while they stream.
 *
 * @module
 */
import type { Socket } from 'node:net'
import { TRANSPORTS, type TransportCounters, type TransportName } from '../protocol/index.ts'

const zero = (): TransportCounters => ({
  httpRequests: 0,
  bytesIn: 0,
  bytesOut: 0,
  openConnections: 0,
  eventsDelivered: 0,
  messagesReceived: 0,
})

interface Open {
  socket: Socket
  readBase: number
  writtenBase: number
}

/** Byte offsets already charged on each keep-alive socket. */
const charged = new WeakMap<Socket, { read: number; written: number }>()

/**
 * Marks everything `socket` moved so far as accounted for. Called when any response on a
 * `/t/` route finishes, so bytes of an untracked request (stats, cut, stream settings) on a
 * keep-alive socket are never charged to the next tracked request on that socket.
 */
export function settle(socket: Socket): void {
  charged.set(socket, { read: socket.bytesRead, written: socket.bytesWritten })
}

/** Counters of one space. */
export class SpaceMeter {
  readonly #closed: Record<TransportName, TransportCounters> = { 'long-polling': zero(), sse: zero(), websocket: zero() }
  readonly #open = new Map<TransportName, Set<Open>>(TRANSPORTS.map((name) => [name, new Set<Open>()]))

  /**
   * Starts charging a request (or an upgraded connection) on `socket` to `transport`.
   * Call the returned function when the response has finished or the connection closed.
   */
  track(transport: TransportName, socket: Socket): () => void {
    const already = charged.get(socket) ?? { read: 0, written: 0 }
    const open: Open = { socket, readBase: already.read, writtenBase: already.written }
    this.#closed[transport].httpRequests += 1
    this.#open.get(transport)?.add(open)
    let done = false
    return () => {
      if (done) return
      done = true
      this.#open.get(transport)?.delete(open)
      this.#closed[transport].bytesIn += socket.bytesRead - open.readBase
      this.#closed[transport].bytesOut += socket.bytesWritten - open.writtenBase
      settle(socket)
    }
  }

  delivered(transport: TransportName, count = 1): void {
    this.#closed[transport].eventsDelivered += count
  }

  received(transport: TransportName): void {
    this.#closed[transport].messagesReceived += 1
  }

  /** Counters so far, including the bytes of connections still open. */
  snapshot(): Record<TransportName, TransportCounters> {
    const result = {} as Record<TransportName, TransportCounters>
    for (const name of TRANSPORTS) {
      const counters = { ...this.#closed[name] }
      for (const open of this.#open.get(name) ?? []) {
        counters.openConnections += 1
        counters.bytesIn += open.socket.bytesRead - open.readBase
        counters.bytesOut += open.socket.bytesWritten - open.writtenBase
      }
      result[name] = counters
    }
    return result
  }

  /** Sockets currently serving `transport`, for the "cut the connection" demo. */
  sockets(transport: TransportName): Socket[] {
    return [...(this.#open.get(transport) ?? [])].map((open) => open.socket)
  }
}
