/**
 * What the Redis Streams adapter subscribes on its shared subscriber connection, per namespace,
 * so that closing a namespace gives it back. @socket.io/redis-streams-adapter 0.3.1 subscribes two
 * channels (the namespace's public one and the adapter's private one) and adds one
 * `messageBuffer` listener for every namespace it is created for, and never removes either: each
 * lab space that empties and comes back would leave, for the life of the process, two Redis
 * subscriptions and a listener that runs on every pub/sub message of every space.
 *
 * The ledger sees the adapter's `subscribe(channels)` and the `on('messageBuffer', listener)` that
 * follows it in the same call (the adapter's SUBSCRIBE helper), and gives both back on
 * {@link SubscriptionLedger.release}.
 *
 * @module
 */
import type { Redis } from 'ioredis'

type Listener = (...args: unknown[]) => void

interface Subscription {
  /** The connection it was made on. */
  client: Redis
  /** `[public, private]`, as the adapter subscribed them. */
  channels: string[]
  listener: Listener
}

/** Adapters closed before their subscription was seen, kept at most this many. */
const MAX_EARLY_RELEASES = 1_000

/**
 * The adapter's subscriptions on one subscriber connection.
 *
 * @example
 * const ledger = new SubscriptionLedger(config.resilienceMaxSpaces)
 * const subscriber = ledger.observe(redis.duplicate()) // hand this one to the adapter
 * ledger.release(`${prefix}#${nsp.name}#${adapter.uid}#`) // when the namespace's adapter closes
 */
export class SubscriptionLedger {
  /** By private channel (one per adapter). */
  readonly #subscriptions = new Map<string, Subscription>()
  readonly #earlyReleases = new Set<string>()
  #pending: string[] | null = null
  readonly #maxListeners: number

  /** `maxNamespaces`: how many namespaces may be open at once (one listener each, plus a margin). */
  constructor(maxNamespaces: number) {
    this.#maxListeners = maxNamespaces + 10
  }

  /** Adapters whose subscription is held. */
  get size(): number {
    return this.#subscriptions.size
  }

  /** `client`, with the adapter's `subscribe` and `on('messageBuffer')` calls noted. */
  observe(client: Redis): Redis {
    // Bounded by the open namespaces now that closed ones give their listener back: no warning at 11.
    client.setMaxListeners(this.#maxListeners)
    return new Proxy(client, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver)
        if (property === 'subscribe' && typeof value === 'function') {
          return (...channels: unknown[]): unknown => {
            const names = channels.flat()
            this.#pending = names.every((name) => typeof name === 'string') ? (names as string[]) : null
            return Reflect.apply(value, target, channels)
          }
        }
        if (property === 'on' && typeof value === 'function') {
          return (event: unknown, listener: unknown): unknown => {
            if (event === 'messageBuffer' && typeof listener === 'function') this.#note(client, listener as Listener)
            return Reflect.apply(value, target, [event, listener])
          }
        }
        return value
      },
    })
  }

  /** Unsubscribes what the adapter with this private channel subscribed, and removes its listener. */
  release(privateChannel: string): void {
    const subscription = this.#subscriptions.get(privateChannel)
    if (!subscription) {
      if (this.#earlyReleases.size >= MAX_EARLY_RELEASES) this.#earlyReleases.clear()
      this.#earlyReleases.add(privateChannel)
      return
    }
    this.#subscriptions.delete(privateChannel)
    const [publicChannel] = subscription.channels
    // Another adapter of the same namespace name (a space that came back) may share the public channel.
    const shared = [...this.#subscriptions.values()].some((other) => other.channels[0] === publicChannel)
    this.#giveBack({ ...subscription, channels: shared ? [privateChannel] : subscription.channels })
  }

  #note(client: Redis, listener: Listener): void {
    const channels = this.#pending
    this.#pending = null
    const privateChannel = channels?.[1]
    if (!channels || privateChannel === undefined) return
    if (this.#earlyReleases.delete(privateChannel)) this.#giveBack({ client, channels: [privateChannel], listener })
    else this.#subscriptions.set(privateChannel, { client, channels, listener })
  }

  #giveBack({ client, channels, listener }: Subscription): void {
    client.off('messageBuffer', listener)
    // During an outage the command waits in the subscriber's offline queue; a failure is harmless.
    client.unsubscribe(...channels).catch(() => undefined)
  }
}
