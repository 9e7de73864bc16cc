/**
 * One event stream per learner space: the single source all three bare transports read, so the
 * race compares transports on exactly the same events. Events are kept in a ring buffer, which is
 * what lets long polling (cursor) and SSE (`Last-Event-ID`) resume with nothing lost.
 *
 * @module
 */
import type { StreamEvent } from '../protocol/index.ts'

const PADDING = 'realtime-workbook '

/**
 * A space's stream.
 *
 * @example
 * const stream = new SpaceStream(1000)
 * stream.configure(10, 32) // 10 events/s of 32 bytes
 * const events = await stream.after(0, 20_000, signal) // long poll
 */
export class SpaceStream {
  readonly #buffer: StreamEvent[] = []
  readonly #capacity: number
  readonly #subscribers = new Set<(event: StreamEvent) => void>()
  readonly #waiters = new Set<() => void>()
  #timer: NodeJS.Timeout | null = null
  #lastId = 0
  #eventsPerSecond = 0
  #payload = ''
  /** Last time anything used the stream (ms), for idle clean-up. */
  touchedAt = Date.now()

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  get lastId(): number {
    return this.#lastId
  }

  get eventsPerSecond(): number {
    return this.#eventsPerSecond
  }

  get listeners(): number {
    return this.#subscribers.size + this.#waiters.size
  }

  /** Sets the rate (0 stops the stream) and the payload size. */
  configure(eventsPerSecond: number, payloadBytes: number): void {
    this.touchedAt = Date.now()
    this.#eventsPerSecond = eventsPerSecond
    this.#payload = PADDING.repeat(Math.ceil(payloadBytes / PADDING.length)).slice(0, payloadBytes)
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = eventsPerSecond > 0 ? setInterval(() => this.#produce(), 1000 / eventsPerSecond) : null
  }

  #produce(): void {
    const event: StreamEvent = { id: ++this.#lastId, sentAt: Date.now(), data: this.#payload }
    this.#buffer.push(event)
    if (this.#buffer.length > this.#capacity) this.#buffer.shift()
    for (const subscriber of this.#subscribers) subscriber(event)
    for (const wake of this.#waiters) wake()
  }

  /**
   * Events after `cursor` still in the buffer; `gap` when some were dropped since.
   * A cursor ahead of the stream (e.g. from before a server restart) is treated as "from now".
   */
  since(cursor: number): { events: StreamEvent[]; gap: boolean } {
    this.touchedAt = Date.now()
    const first = this.#buffer[0]
    if (!first || cursor >= this.#lastId) return { events: [], gap: false }
    const events = this.#buffer.filter((event) => event.id > cursor)
    return { events, gap: first.id > cursor + 1 }
  }

  /**
   * Long poll: resolves with the events after `cursor` as soon as there are any, or with none
   * after `waitMs`, or when `signal` aborts (the client went away).
   */
  async after(cursor: number, waitMs: number, signal: AbortSignal): Promise<{ events: StreamEvent[]; gap: boolean }> {
    const now = this.since(cursor)
    if (now.events.length > 0 || signal.aborted) return now
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, waitMs)
      this.#waiters.add(done)
      signal.addEventListener('abort', done, { once: true })
    })
    return this.since(cursor)
  }

  /** Calls `listener` for every new event until the returned function is called. */
  subscribe(listener: (event: StreamEvent) => void): () => void {
    this.touchedAt = Date.now()
    this.#subscribers.add(listener)
    return () => {
      this.#subscribers.delete(listener)
      this.touchedAt = Date.now()
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    for (const wake of this.#waiters) wake()
  }
}

/**
 * The streams of an instance, created on first use and removed after `idleMs` without use.
 *
 * @example
 * const streams = new StreamRegistry({ capacity: 1000, idleMs: 60_000, maxStreams: 200 })
 * streams.get('k7q2mx').configure(5, 32)
 */
export class StreamRegistry {
  readonly #streams = new Map<string, SpaceStream>()
  readonly #options: { capacity: number; idleMs: number; maxStreams: number; onEvict?: (space: string) => void }
  readonly #sweeper: NodeJS.Timeout

  /** `onEvict` is told each space whose stream is removed, so state kept beside it goes too. */
  constructor(options: { capacity: number; idleMs: number; maxStreams: number; onEvict?: (space: string) => void }) {
    this.#options = options
    this.#sweeper = setInterval(() => this.sweep(), Math.min(options.idleMs, 10_000))
    this.#sweeper.unref()
  }

  /** The stream of `space`, or `null` when the instance already runs its maximum of streams. */
  get(space: string): SpaceStream | null {
    let stream = this.#streams.get(space)
    if (!stream) {
      if (this.#streams.size >= this.#options.maxStreams) this.sweep()
      if (this.#streams.size >= this.#options.maxStreams) return null
      stream = new SpaceStream(this.#options.capacity)
      this.#streams.set(space, stream)
    }
    return stream
  }

  /** Removes streams nobody listens to and nobody touched for `idleMs`. */
  sweep(now = Date.now()): void {
    for (const [space, stream] of this.#streams) {
      if (stream.listeners === 0 && now - stream.touchedAt > this.#options.idleMs) {
        stream.stop()
        this.#streams.delete(space)
        this.#options.onEvict?.(space)
      }
    }
  }

  get size(): number {
    return this.#streams.size
  }

  close(): void {
    clearInterval(this.#sweeper)
    for (const stream of this.#streams.values()) stream.stop()
    this.#streams.clear()
  }
}
