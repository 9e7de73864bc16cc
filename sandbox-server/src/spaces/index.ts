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

const noop = (): void => undefined

/** The part of a Socket.IO socket admission needs. */
export interface Admitted {
  on(event: 'disconnect', listener: () => void): unknown
  /** The socket's Engine.IO connection. */
  readonly conn: {
    readonly readyState: string
    on(event: 'close', listener: () => void): unknown
    off(event: 'close', listener: () => void): unknown
  }
}

/**
 * Admits sockets into spaces on this instance.
 *
 * @example
 * const spaces = new SpaceRegistry({ maxSocketsPerSpace: 32, maxNamespacesPerConnection: 8 })
 * spaces.admit('k7q2mx', socket) // throws SPACE_FULL or NAMESPACE_LIMIT; counted until it leaves
 */
export class SpaceRegistry {
  readonly #perSpace: Quota<string>
  /** Keyed by the Engine.IO connection object itself (its id is private in the typings). */
  readonly #perConnection: Quota<Admitted['conn']>

  constructor(limits: { maxSocketsPerSpace: number; maxNamespacesPerConnection: number }) {
    this.#perSpace = new Quota(limits.maxSocketsPerSpace)
    this.#perConnection = new Quota(limits.maxNamespacesPerConnection)
  }

  /**
   * Takes `socket`'s slots in `space` and on its connection, or throws `NAMESPACE_LIMIT` /
   * `SPACE_FULL`. They are given back when the socket disconnects, or when its connection
   * closes if the socket never got connected.
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
    // One release function per socket, run once (`on`, not `once`: no wrapper kept per socket).
    // Kept in a holder, never bound to a name of its own: run through tsx (esbuild `keepNames`), a
    // named closure gets a `name` property defined on it, which costs ~250 heap bytes per socket.
    const holder = { released: false, release: noop }
    holder.release = () => {
      if (holder.released) return
      holder.released = true
      conn.off('close', holder.release)
      this.#perSpace.give(space)
      this.#perConnection.give(conn)
    }
    socket.on('disconnect', holder.release)
    conn.on('close', holder.release)
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
