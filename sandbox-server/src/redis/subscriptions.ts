/**
 * Knows when the subscriber connections' subscriptions are in place.
 *
 * The Redis adapters subscribe without waiting for Redis's reply: the classic adapter its
 * namespace pattern when a namespace is created, the sharded adapter its namespace channel then,
 * and each room's channel when the room is created (`subscriptionMode: 'dynamic'`). Socket.IO
 * admits the socket meanwhile, and pub/sub is at-most-once: a broadcast published by another
 * instance before the (S|P)SUBSCRIBE lands is lost for that socket. Measured on a loaded machine
 * with a Redis Cluster: the first `io.emit` after a learner's join never reached their instance.
 * The instance therefore admits a socket, and acknowledges a `room:join`, once the subscriptions
 * sent so far are acknowledged, within a bound (`redisSubscribeWaitMs`).
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis'
import { Adapter } from 'socket.io-adapter'

/** The commands whose replies are awaited. */
const SUBSCRIBE_COMMANDS = ['subscribe', 'psubscribe', 'ssubscribe'] as const

/**
 * Resolves once the instance's new Redis subscriptions are acknowledged (a bounded wait); `null`
 * when there is nothing to wait for, so the caller goes on synchronously.
 */
export type SubscriptionWait = () => Promise<unknown> | null

/** Replies tracked at once; beyond it (a Redis outage with many new namespaces) nothing more is waited for. */
const MAX_PENDING = 10_000

/**
 * The subscriptions in flight on some subscriber connections.
 *
 * @example
 * const tracker = new SubscriptionTracker()
 * tracker.watch(sub)
 * void sub.ssubscribe('rtwb#/s/k7q2mx/chat#')
 * await tracker.settled(2_000) // => true once Redis replied
 */
export class SubscriptionTracker {
  readonly #pending = new Set<Promise<void>>()

  /** Wraps `client`'s subscribe commands so their replies are tracked (the client is otherwise unchanged). */
  watch(client: Redis | Cluster): void {
    for (const command of SUBSCRIBE_COMMANDS) {
      const original: unknown = Reflect.get(client, command)
      if (typeof original !== 'function') continue
      const track = (reply: Promise<unknown>): void => this.#track(reply)
      Object.defineProperty(client, command, {
        configurable: true,
        writable: true,
        value: (...args: unknown[]): unknown => {
          const reply: unknown = Reflect.apply(original, client, args)
          if (reply instanceof Promise) track(reply)
          return reply
        },
      })
    }
  }

  /** Subscriptions sent and not yet answered. */
  get pending(): number {
    return this.#pending.size
  }

  /**
   * Resolves `true` once every subscription sent so far is answered (a refusal counts: it will
   * not be answered better by waiting), `false` after `timeoutMs`; `null` when none is pending,
   * so a caller can go on synchronously.
   */
  settled(timeoutMs: number): Promise<boolean> | null {
    if (this.#pending.size === 0) return null
    const answered = Promise.all([...this.#pending]).then(() => true)
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, false)
    })
    return Promise.race([answered, expired]).finally(() => clearTimeout(timer))
  }

  #track(reply: Promise<unknown>): void {
    if (this.#pending.size >= MAX_PENDING) return
    const done = (): void => void this.#pending.delete(tracked)
    const tracked: Promise<void> = reply.then(done, done)
    this.#pending.add(tracked)
  }
}

/**
 * A namespace middleware that lets a socket on once its instance's pending subscriptions are
 * acknowledged (`subscribed` returns the bounded wait, or `null`: nothing pending, go on now).
 * Sockets of an in-memory namespace go on at once. Register it FIRST: admission (`SpaceRegistry`)
 * counts a socket in a later middleware and expects Socket.IO to connect it in the same turn.
 *
 * @example
 * parent.use(admitWhenSubscribed(() => link.subscribed(2_000)))
 * parent.use(admitIntoSpace)
 */
export function admitWhenSubscribed(
  subscribed: SubscriptionWait,
): (socket: { readonly nsp: { readonly adapter: object } }, next: () => void) => void {
  return (socket, next) => {
    const pending = Object.getPrototypeOf(socket.nsp.adapter) === Adapter.prototype ? null : subscribed()
    if (pending) void pending.then(() => next())
    else next()
  }
}
