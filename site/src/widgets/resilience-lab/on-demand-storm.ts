/**
 * Experiment 3's run, loaded on the first click: 30 virtual clients (the learner's own sockets on
 * one instance) lose their connection at once (`storm:cut` closes their transports server side,
 * as a network drop would) and reconnect by themselves, first with socket.io-client's default
 * backoff (`reconnectionDelay` 1000 ms, `randomizationFactor` 0.5), then with
 * `randomizationFactor: 0`. Shown: reconnection attempts per 100 ms after the cut, the peak, the
 * spread, and when the last client was back. An `on-demand-*` module: the page budget counts it apart.
 */
import { h } from '../../sandbox/dom.ts'
import { openMany } from './clients.ts'
import type { LabContext, Outcome, Progress } from './types.ts'
import { until } from './until.ts'
import { bars, figures, ms, type Figure } from './view.ts'

export const CLIENTS = 30
export const BUCKET_MS = 100
export const WINDOW_MS = 3000
export const RECONNECTION_DELAY_MS = 1000
/** How long a run waits after the cut for every client to be back. */
export const BACK_WAIT_MS = 12_000
/** `storm:cut` is allowed once per 3 s per space. */
const CUT_GAP_MS = 3200

export interface StormRun {
  randomizationFactor: number
  /** ms after the cut of each `reconnect_attempt`. */
  attempts: number[]
  /** ms after the cut each client said hello again. */
  back: number[]
  cut: number
  /** Reconnections the server refused, by code (socket.io-client does not retry those by itself). */
  refused: string[]
}

/**
 * Attempts per `BUCKET_MS` from the cut, over `WINDOW_MS`.
 *
 * @example
 * histogram([5, 120, 130]) // => [1, 2, 0, …]
 */
export function histogram(times: number[], bucketMs = BUCKET_MS, windowMs = WINDOW_MS): number[] {
  const counts = Array.from({ length: Math.ceil(windowMs / bucketMs) }, () => 0)
  for (const t of times) {
    const i = Math.floor(t / bucketMs)
    if (i >= 0 && i < counts.length) counts[i] = (counts[i] ?? 0) + 1
  }
  return counts
}

async function stormOnce(ctx: LabContext, randomizationFactor: number, progress: Progress): Promise<StormRun> {
  const instance = ctx.instances[0]
  if (!instance) throw new Error('no instance is up')
  progress(`randomizationFactor ${randomizationFactor}: connecting ${CLIENTS} clients…`)
  const options = { reconnectionDelay: RECONNECTION_DELAY_MS, randomizationFactor }
  const peers = await openMany(ctx, CLIENTS, (n) => ({ instance, side: 'pubsub', label: `v${n}`, options }))
  const run: StormRun = { randomizationFactor, attempts: [], back: [], cut: 0, refused: [] }
  let cutAt = Infinity
  for (const peer of peers) {
    peer.client.on('reconnect_attempt', ({ at }) => run.attempts.push(at - cutAt))
    peer.client.on('hello', () => run.back.push(Date.now() - cutAt))
    peer.client.on('connect_error', ({ code }) => run.refused.push(code))
  }
  const first = peers[0]
  if (!first) throw new Error('no client connected')
  progress(`randomizationFactor ${randomizationFactor}: cutting ${CLIENTS} connections at once…`)
  cutAt = Date.now()
  const ack = await first.client.request('storm:cut', {})
  if ('error' in ack) throw new Error(`storm:cut: ${ack.error.code} ${ack.error.message}`)
  run.cut = ack.cut
  // Stragglers: a browser opens WebSocket handshakes to one host a few at a time, so a
  // synchronised storm can leave some clients waiting for seconds; wait for them, bounded.
  progress(`randomizationFactor ${randomizationFactor}: waiting for the clients to come back…`)
  await until(ctx, () => run.back.length >= peers.length, BACK_WAIT_MS, 100)
  for (const peer of peers) peer.client.close()
  return run
}

/** Time between the first and the last reconnection attempt, ms. */
const spreadOf = (run: StormRun): number => (run.attempts.length ? Math.max(...run.attempts) - Math.min(...run.attempts) : 0)

/** Reconnections refused by the server (none, usually), with their codes. */
const refusedFigure = (run: StormRun, id: string): Figure[] =>
  run.refused.length ? [['Refused', `${run.refused.length} (${[...new Set(run.refused)].join(', ')})`, `rl-storm-refused-${id}`]] : []

function runView(run: StormRun, max: number): HTMLElement {
  const counts = histogram(run.attempts)
  const peak = Math.max(0, ...counts)
  const spread = spreadOf(run)
  const id = run.randomizationFactor === 0 ? 'flat' : 'jitter'
  const title =
    run.randomizationFactor === 0 ? 'randomizationFactor: 0' : `Default backoff (randomizationFactor ${run.randomizationFactor})`
  return h(
    'section',
    { class: 'rl-side', 'data-testid': `rl-storm-${id}` },
    h('h5', { text: title }),
    figures([
      ['Cut', run.cut, `rl-storm-cut-${id}`],
      ['Attempts', run.attempts.length, `rl-storm-attempts-${id}`],
      ['Peak per 100 ms', peak, `rl-storm-peak-${id}`],
      ['Spread', ms(spread), `rl-storm-spread-${id}`],
      [
        'All back after',
        run.back.length >= run.cut && run.back.length ? ms(Math.max(...run.back)) : `${run.back.length} back`,
        `rl-storm-back-${id}`,
      ],
      ...refusedFigure(run, id),
    ]),
    bars(`Reconnection attempts per 100 ms, 0 to ${WINDOW_MS / 1000} s after the cut`, counts, max, `rl-bars-${id}`),
  )
}

/**
 * Both storms, one after the other (the cut is rate-limited per space).
 *
 * @example
 * const outcome = await runStorm(ctx, progress)
 */
export async function runStorm(ctx: LabContext, progress: Progress): Promise<Outcome> {
  const jitter = await stormOnce(ctx, 0.5, progress)
  await ctx.sleep(CUT_GAP_MS)
  const flat = await stormOnce(ctx, 0, progress)
  const max = Math.max(1, ...histogram(jitter.attempts), ...histogram(flat.attempts))
  const peak = (run: StormRun) => Math.max(0, ...histogram(run.attempts))
  return {
    figures: {
      jitterPeak: peak(jitter),
      flatPeak: peak(flat),
      jitterAttempts: jitter.attempts.length,
      flatAttempts: flat.attempts.length,
      jitterBack: jitter.back.length,
      flatBack: flat.back.length,
      refused: [...jitter.refused, ...flat.refused].join(' '),
      jitterSpreadMs: spreadOf(jitter),
      flatSpreadMs: spreadOf(flat),
      jitterBackMs: Math.max(0, ...jitter.back),
      flatBackMs: Math.max(0, ...flat.back),
    },
    summary: `peak ${peak(jitter)} attempts per 100 ms with jitter, ${peak(flat)} without.`,
    view: h('div', { class: 'rl-sides' }, runView(jitter, max), runView(flat, max)),
  }
}
