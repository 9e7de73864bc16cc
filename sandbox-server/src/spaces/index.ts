/**
 * Admission of sockets on one instance: how many each learner space holds and how many
 * namespaces each Engine.IO connection opens, so one space (or one connection multiplexing many
 * namespaces) cannot take the whole instance, and so an emptied space leaves nothing behind.
 * (Its namespaces are removed by Socket.IO's `cleanupEmptyChildNamespaces`; its observer room
 * disappears with its last member.)
 *
 * Slots are taken at admission, in the namespace middleware, not when the socket is connected:
 * Socket.IO connects admitted sockets on a later tick, so counting then let a burst of CONNECT
 * packets decoded together through the cap (2 allowed, 3 admitted).
 *
 * @module
 */
import { SandboxError } from '../errors/index.ts'

/**
 * Counts holders per key up to a limit. A slot is taken by {@link Quota.tryTake} and given back
 * by the release function it returns (which does nothing the second time).
 *
 * @example
 * const perAddress = new Quota<string>(128)
 * const release = perAddress.tryTake('127.0.0.1') // null when 128 are already taken
 * release?.()
 */
export class Quota<K> {
  readonly #counts = new Map<K, number>()
  readonly limit: number

  constructor(limit: number) {
    this.limit = limit
  }

  /** Takes a slot for `key`, or returns `null` when `key` holds `limit` already. */
  tryTake(key: K): (() => void) | null {
    if (!this.take(key)) return null
    let released = false
    return () => {
      if (released) return
      released = true
      this.give(key)
    }
  }

  /** Takes a slot for `key` without making a release function; `false` when full. Give it back with `give`, once. */
  take(key: K): boolean {
    const taken = this.#counts.get(key) ?? 0
    if (taken >= this.limit) return false
    this.#counts.set(key, taken + 1)
    return true
  }

  /** Gives back one slot `take` took for `key`. */
  give(key: K): void {
    const left = (this.#counts.get(key) ?? 1) - 1
    if (left <= 0) this.#counts.delete(key)
    else this.#counts.set(key, left)
  }

  /** Slots taken for `key`. */
  size(key: K): number {
    return this.#counts.get(key) ?? 0
  }

  /** Keys holding at least one slot. */
  get keys(): number {
    return this.#counts.size
  }
}

/** The part of a Socket.IO socket admission needs. */
export interface Admitted {
  /** Called with the socket as `this` (Socket.IO's listeners are). */
  on(event: 'disconnect', listener: (this: Admitted) => void): unknown
  /** Whether Socket.IO has connected the socket (it does so after its middleware, the same turn). */
  readonly connected: boolean
  /** The socket's Engine.IO connection. */
  readonly conn: { readonly readyState: string }
}

/**
 * Admits sockets into spaces on this instance.
 *
 * Memory: an admitted socket costs one entry in a WeakMap (its space) and one entry in its
 * `disconnect` listeners; the listener is shared by every socket, and no listener is added to
 * the Engine.IO connection (a third `close` listener there made Node grow that list to 19 slots,
 * ~145 heap bytes per connection; scripts/bench-fanout measures the heap per idle socket).
 *
 * @example
 * const spaces = new SpaceRegistry({ maxSocketsPerSpace: 32, maxNamespacesPerConnection: 8 })
 * spaces.admit('k7q2mx', socket) // throws SPACE_FULL or NAMESPACE_LIMIT; counted until it leaves
 */
export class SpaceRegistry {
  readonly #perSpace: Quota<string>
  /** Keyed by the Engine.IO connection object itself (its id is private in the typings). */
  readonly #perConnection: Quota<Admitted['conn']>
  /** Sockets holding their slots, with their space. */
  readonly #admitted = new WeakMap<Admitted, string>()
  /** The `disconnect` listener of every admitted socket (`this` is the socket). */
  readonly #onDisconnect: (this: Admitted) => void
  /** Run once the admitting turn is over (a timer): a socket Socket.IO did not connect then never will be. */
  readonly #settle = (socket: Admitted): void => {
    if (!socket.connected) this.#release(socket)
  }

  constructor(limits: { maxSocketsPerSpace: number; maxNamespacesPerConnection: number }) {
    this.#perSpace = new Quota(limits.maxSocketsPerSpace)
    this.#perConnection = new Quota(limits.maxNamespacesPerConnection)
    const release = (socket: Admitted): void => this.#release(socket)
    this.#onDisconnect = function (this: Admitted) {
      release(this)
    }
  }

  /**
   * Takes `socket`'s slots in `space` and on its connection, or throws `NAMESPACE_LIMIT` /
   * `SPACE_FULL`. They are given back when the socket disconnects, or at the end of the turn if
   * Socket.IO did not connect it (its connection closed meanwhile, or a later middleware refused
   * it): call this in the namespace's middleware, right before its `next()`, as Socket.IO connects
   * an admitted socket on the next tick (`process.nextTick`) and drops it silently if its
   * connection closed. A middleware that waits (for a Redis subscription) runs before this one.
   */
  admit(space: string, socket: Admitted): void {
    const { conn } = socket
    if (conn.readyState !== 'open') throw new SandboxError('INVALID_HANDSHAKE', 'the connection closed during the handshake')
    if (!this.#perConnection.take(conn)) {
      throw new SandboxError(
        'NAMESPACE_LIMIT',
        `one connection may open at most ${this.#perConnection.limit} namespaces: open another connection (forceNew)`,
      )
    }
    if (!this.#perSpace.take(space)) {
      this.#perConnection.give(conn)
      throw new SandboxError(
        'SPACE_FULL',
        `space ${space} already has ${this.#perSpace.limit} connections on this instance: close some clients first`,
      )
    }
    this.#admitted.set(socket, space)
    socket.on('disconnect', this.#onDisconnect)
    setTimeout(this.#settle, 0, socket)
  }

  /** Gives back `socket`'s slots, once. */
  #release(socket: Admitted): void {
    const space = this.#admitted.get(socket)
    if (space === undefined) return
    this.#admitted.delete(socket)
    this.#perSpace.give(space)
    this.#perConnection.give(socket.conn)
  }

  /** Sockets in `space` on this instance (admitted, connected or about to be). */
  size(space: string): number {
    return this.#perSpace.size(space)
  }

  /** Spaces with at least one socket on this instance. */
  get activeSpaces(): number {
    return this.#perSpace.keys
  }
}
