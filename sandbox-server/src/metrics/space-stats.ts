/**
 * Per-space figures for the lab's live monitoring panel (`GET /s/<space>/stats`): what the
 * Prometheus metrics say for the whole instance, for one learner space only, and the same figures
 * for every space of the instance together (the panel's cluster column). Prometheus labels must
 * never carry a space code (unbounded series); this book is in memory, bounded, and read by the
 * space's own learner.
 *
 * Memory: at most {@link MAX_SPACES} spaces; a space with no socket connected is forgotten first
 * (oldest first) when the book is full; a space refused while the book is full of live spaces is
 * not tracked (its refusals still count in the instance totals).
 *
 * @module
 */
import type { SpaceStats } from '../protocol/index.ts'

/** Spaces tracked per instance. */
export const MAX_SPACES = 1_000
/** Seconds the event rates are averaged over. */
export const RATE_WINDOW_SECONDS = 10
/** Ack durations kept per space for the percentiles. */
const ACK_SAMPLES = 256

/** Counts per whole second over the last {@link RATE_WINDOW_SECONDS} seconds. */
class SecondRing {
  readonly #counts = new Array<number>(RATE_WINDOW_SECONDS).fill(0)
  readonly #seconds = new Array<number>(RATE_WINDOW_SECONDS).fill(-1)

  /** Counts `n` events (a broadcast's recipients) in `second`. */
  add(second: number, n = 1): void {
    const slot = second % RATE_WINDOW_SECONDS
    if (this.#seconds[slot] !== second) {
      this.#seconds[slot] = second
      this.#counts[slot] = 0
    }
    this.#counts[slot] = (this.#counts[slot] ?? 0) + n
  }

  /** Events per second over the last full window before `second`. */
  rate(second: number): number {
    let total = 0
    for (let i = 0; i < RATE_WINDOW_SECONDS; i++) {
      const at = this.#seconds[i] ?? -1
      if (at < second && at >= second - RATE_WINDOW_SECONDS) total += this.#counts[i] ?? 0
    }
    return total / RATE_WINDOW_SECONDS
  }
}

/** Events in and out and ack durations: of one space, or of every space of the instance. */
export class Traffic {
  readonly received = new SecondRing()
  readonly sent = new SecondRing()
  readonly #acks: number[] = []
  #nextAck = 0

  ack(ms: number): void {
    this.#acks[this.#nextAck] = ms
    this.#nextAck = (this.#nextAck + 1) % ACK_SAMPLES
  }

  /** The `q` quantile (0..1) of the kept ack durations, in ms, or `null` without samples. */
  ackQuantile(q: number): number | null {
    if (this.#acks.length === 0) return null
    const sorted = [...this.#acks].sort((a, b) => a - b)
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null
  }
}

/** One space's counters. */
export class SpaceCounters extends Traffic {
  sockets = 0
  rejectedHandshakes = 0
  rateLimited = 0
  oversizedPackets = 0
}

/** Instance-wide counts (refusals: since the instance started); the cluster panel sums them over instances. */
export interface InstanceTotals {
  /** Sockets of learner spaces connected now. */
  connections: number
  rejectedHandshakes: number
  rateLimited: number
  oversizedPackets: number
}

/**
 * The book of every tracked space of an instance.
 *
 * @example
 * const book = new SpaceStatsBook('i1')
 * book.space('k7q2mx')?.received.add(book.second)
 * book.read('k7q2mx', 3).eventsInPerSecond // => 0.1
 */
export class SpaceStatsBook {
  readonly #spaces = new Map<string, SpaceCounters>()
  readonly #instanceId: string
  readonly totals: InstanceTotals = { connections: 0, rejectedHandshakes: 0, rateLimited: 0, oversizedPackets: 0 }
  /** The traffic of every space's namespaces on this instance, tracked or not (observers not counted). */
  readonly traffic = new Traffic()
  #second = 0
  #secondEndsAt = 0

  constructor(instanceId: string) {
    this.#instanceId = instanceId
  }

  /** The current whole second (the rings' clock), read on every event: a getter, not a clock call. */
  get second(): number {
    const now = Date.now()
    if (now >= this.#secondEndsAt) {
      this.#second = Math.floor(now / 1000)
      this.#secondEndsAt = (this.#second + 1) * 1000
    }
    return this.#second
  }

  /** The counters of `space`, created if room is left (else `null`: not tracked). */
  space(space: string): SpaceCounters | null {
    const found = this.#spaces.get(space)
    if (found) return found
    if (this.#spaces.size >= MAX_SPACES && !this.#forgetOneIdle()) return null
    const created = new SpaceCounters()
    this.#spaces.set(space, created)
    return created
  }

  /** The counters of `space` if tracked (never creates: safe on a hot path). */
  find(space: string): SpaceCounters | null {
    return this.#spaces.get(space) ?? null
  }

  /** Drops the oldest space with no socket; `false` when every tracked space is live. */
  #forgetOneIdle(): boolean {
    for (const [space, counters] of this.#spaces) {
      if (counters.sockets === 0) return this.#spaces.delete(space)
    }
    return false
  }

  /** Every space's events in and out per second on this instance (the instructor console's figures). */
  instanceTraffic(): { eventsInPerSecond: number; eventsOutPerSecond: number; windowSeconds: number } {
    const second = this.second
    return {
      eventsInPerSecond: this.traffic.received.rate(second),
      eventsOutPerSecond: this.traffic.sent.rate(second),
      windowSeconds: RATE_WINDOW_SECONDS,
    }
  }

  /** What `GET /s/<space>/stats` answers. */
  read(space: string): SpaceStats {
    const counters = this.#spaces.get(space)
    const second = this.second
    const all = this.traffic
    return {
      instance: this.#instanceId,
      space,
      windowSeconds: RATE_WINDOW_SECONDS,
      connections: counters?.sockets ?? 0,
      eventsInPerSecond: counters?.received.rate(second) ?? 0,
      eventsOutPerSecond: counters?.sent.rate(second) ?? 0,
      ackP50Ms: counters?.ackQuantile(0.5) ?? null,
      ackP99Ms: counters?.ackQuantile(0.99) ?? null,
      rejectedHandshakes: counters?.rejectedHandshakes ?? 0,
      rateLimited: counters?.rateLimited ?? 0,
      oversizedPackets: counters?.oversizedPackets ?? 0,
      instanceTotals: {
        eventsInPerSecond: all.received.rate(second),
        eventsOutPerSecond: all.sent.rate(second),
        ackP50Ms: all.ackQuantile(0.5),
        ackP99Ms: all.ackQuantile(0.99),
        ...this.totals,
      },
    }
  }
}
