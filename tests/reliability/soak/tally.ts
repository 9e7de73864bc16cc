/**
 * The soak's counting, pure: per receiving socket, per sender, which sequence numbers arrived and
 * how often. A sender numbers its messages 0..sent-1 from the phase's base; every other member of
 * its group counts each one, so "lost" (never arrived), "duplicated" (arrived more than once) and
 * "stray" (a number outside the phase, or from a sender outside the group) are exact, not estimates.
 *
 * @module
 */

/** Sequence numbers of one phase start at `phase * PHASE_SEQ_SPAN` (the lab accepts 0..1,000,000). */
export const PHASE_SEQ_SPAN = 200_000

/** The counts of one phase, summed over sockets (and over driver processes with `addCounts`). */
export interface SoakCounts {
  sockets: number
  /** Messages the sockets sent (`lab:send`). */
  emitted: number
  /** Deliveries due: each message once per receiving member of its group. */
  sent: number
  delivered: number
  lost: number
  duplicated: number
  stray: number
  /** `sandbox:error` answers (e.g. RATE_LIMITED): a refused message is also counted lost. */
  refused: number
  disconnects: number
  /** Reconnections whose `hello` said `recovered: true` (connection state recovery). */
  recovered: number
  /** Seconds from the first send to the last, the slowest driver's (`addCounts` keeps the max). */
  sendSeconds: number
  /** Why sockets disconnected or were refused, counted: `disconnect: ping timeout`, `refused: RATE_LIMITED`. */
  reasons: Record<string, number>
}

export const emptyCounts = (): SoakCounts => ({
  sockets: 0,
  emitted: 0,
  sent: 0,
  delivered: 0,
  lost: 0,
  duplicated: 0,
  stray: 0,
  refused: 0,
  disconnects: 0,
  recovered: 0,
  sendSeconds: 0,
  reasons: {},
})

/**
 * What one socket received from its one peer during a phase.
 *
 * @example
 * const inbox = new Inbox(0, 'A', 600)
 * inbox.receive(0, 'A'); inbox.receive(0, 'A')
 * inbox.settle(2) // => { delivered: 1, lost: 1, duplicated: 1, stray: 0 }
 */
export class Inbox {
  readonly #base: number
  readonly #peer: string
  readonly #counts: Uint16Array
  #stray = 0
  #distinct = 0

  /** `capacity`: the most messages the peer may send in the phase (its counts are kept per number). */
  constructor(base: number, peer: string, capacity: number) {
    if (!(capacity > 0 && capacity <= PHASE_SEQ_SPAN)) throw new RangeError(`capacity must be 1-${PHASE_SEQ_SPAN}`)
    this.#base = base
    this.#peer = peer
    this.#counts = new Uint16Array(capacity)
  }

  receive(seq: number, from: string): void {
    const index = seq - this.#base
    if (from !== this.#peer || !Number.isInteger(index) || index < 0 || index >= this.#counts.length) {
      this.#stray += 1
      return
    }
    const count = this.#counts[index] ?? 0
    if (count === 0) this.#distinct += 1
    if (count < 0xffff) this.#counts[index] = count + 1
  }

  /** Distinct numbers received so far (cheap: for polling until a phase has drained). */
  get distinct(): number {
    return this.#distinct
  }

  /** The counts once the peer has sent `sent` messages (numbers 0..sent-1); beyond them is stray. */
  settle(sent: number): { delivered: number; lost: number; duplicated: number; stray: number } {
    let delivered = 0
    let duplicated = 0
    let stray = this.#stray
    this.#counts.forEach((count, index) => {
      if (count === 0) return
      if (index >= sent) stray += count
      else {
        delivered += 1
        duplicated += count - 1
      }
    })
    return { delivered, lost: sent - delivered, duplicated, stray }
  }
}

/**
 * Sums two phases' counts (drivers run in parallel: sendSeconds is the longest).
 *
 * @example
 * addCounts(emptyCounts(), { ...emptyCounts(), sent: 5 }).sent // => 5
 */
export function addCounts(a: SoakCounts, b: SoakCounts): SoakCounts {
  return {
    sockets: a.sockets + b.sockets,
    emitted: a.emitted + b.emitted,
    sent: a.sent + b.sent,
    delivered: a.delivered + b.delivered,
    lost: a.lost + b.lost,
    duplicated: a.duplicated + b.duplicated,
    stray: a.stray + b.stray,
    refused: a.refused + b.refused,
    disconnects: a.disconnects + b.disconnects,
    recovered: a.recovered + b.recovered,
    sendSeconds: Math.max(a.sendSeconds, b.sendSeconds),
    reasons: addReasons(a.reasons, b.reasons),
  }
}

/**
 * Sums two tallies of reasons.
 *
 * @example
 * addReasons({ 'disconnect: ping timeout': 1 }, { 'disconnect: ping timeout': 2 }) // => { 'disconnect: ping timeout': 3 }
 */
export function addReasons(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a }
  for (const [reason, count] of Object.entries(b)) sum[reason] = (sum[reason] ?? 0) + count
  return sum
}

/** One row of the printed table. */
export interface PhaseRow {
  phase: string
  counts: SoakCounts
  /** What was asked: messages each socket receives per second. */
  targetRate: number
  /** Redis's downtime during the phase, ms (0 without a restart). */
  outageMs: number
}

/**
 * The table printed at the end of the soak: one line per phase, with the achieved rate of
 * deliveries due (all receivers together) next to the target (on a busy 2-core machine the clients
 * may not keep up, and that must show). `due` counts each message once per receiving socket.
 *
 * @example
 * formatTable([{ phase: 'streams', counts: emptyCounts(), targetRate: 10, outageMs: 0 }])
 */
export function formatTable(rows: PhaseRow[]): string {
  const header = [
    'phase',
    'sockets',
    'emitted',
    'due',
    'delivered',
    'lost',
    'duplicated',
    'stray',
    'refused',
    'disconnects',
    'received/s',
    'target/s',
    's',
    'redis down ms',
  ]
  const lines = rows.map(({ phase, counts: c, targetRate, outageMs }) => {
    const rate = c.sendSeconds > 0 ? Math.round(c.sent / c.sendSeconds) : 0
    const values = [
      c.sockets,
      c.emitted,
      c.sent,
      c.delivered,
      c.lost,
      c.duplicated,
      c.stray,
      c.refused,
      c.disconnects,
      rate,
      c.sockets * targetRate,
    ]
    return [phase, ...values.map(String), c.sendSeconds.toFixed(1), String(Math.round(outageMs))]
  })
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)))
  const format = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')
  const reasons = rows.flatMap(({ phase, counts }) =>
    Object.entries(counts.reasons).map(([reason, count]) => `  ${phase}: ${reason} x ${count}`),
  )
  return [format(header), ...lines.map(format), ...(reasons.length > 0 ? ['why:', ...reasons] : [])].join('\n')
}
