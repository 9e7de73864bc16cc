/**
 * Learner spaces on one instance: how many sockets each holds, so one space cannot take the
 * whole instance, and so an emptied space leaves nothing behind. (Its namespaces are removed by
 * Socket.IO's `cleanupEmptyChildNamespaces`; its observer room disappears with its last member.)
 *
 * @module
 */
import { SandboxError } from '../errors/index.ts'

/** The part of a socket the registry needs. */
export interface Departing {
  once(event: 'disconnect', listener: () => void): unknown
}

/**
 * Counts sockets per space on this instance.
 *
 * @example
 * const spaces = new SpaceRegistry(32)
 * spaces.admit('k7q2mx') // throws SPACE_FULL when 32 sockets are already there
 * spaces.enter('k7q2mx', socket) // counted until the socket disconnects
 */
export class SpaceRegistry {
  readonly #counts = new Map<string, number>()
  readonly #maxSockets: number

  constructor(maxSocketsPerSpace: number) {
    this.#maxSockets = maxSocketsPerSpace
  }

  /** Throws `SPACE_FULL` when `space` may not take another socket. */
  admit(space: string): void {
    if ((this.#counts.get(space) ?? 0) >= this.#maxSockets) {
      throw new SandboxError('SPACE_FULL', `space ${space} already has ${this.#maxSockets} connections on this instance: close some clients first`)
    }
  }

  /** Counts `socket` in `space` until it disconnects. */
  enter(space: string, socket: Departing): void {
    this.#counts.set(space, (this.#counts.get(space) ?? 0) + 1)
    socket.once('disconnect', () => {
      const left = (this.#counts.get(space) ?? 1) - 1
      if (left <= 0) this.#counts.delete(space)
      else this.#counts.set(space, left)
    })
  }

  /** Sockets in `space` on this instance. */
  size(space: string): number {
    return this.#counts.get(space) ?? 0
  }

  /** Spaces with at least one socket on this instance. */
  get activeSpaces(): number {
    return this.#counts.size
  }
}
