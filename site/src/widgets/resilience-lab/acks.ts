/**
 * Experiment 2, "Acks, timeouts, retries, idempotency": 50 messages through the flaky handler
 * (the learner sets its drop rate and delay), three ways: `timeout().emitWithAck` once; the
 * client's `retries` + `ackTimeout` without server dedupe; the same with dedupe. Shown per way:
 * delivered, failed, handler runs, duplicated effects, and the latency the faults added.
 */
import { h } from '../../sandbox/dom.ts'
import { openLab, type LabPeer } from './clients.ts'
import { numberControl } from './controls.ts'
import type { Experiment, LabContext, Outcome, Progress } from './types.ts'
import { ms, table } from './view.ts'

export const MESSAGES = 50
/** Messages go out on this many sockets at once (each socket's retry queue sends one at a time). */
export const LANES = 10
export const RETRIES = 3

export const MODES = ['once', 'retries', 'dedupe'] as const
export type Mode = (typeof MODES)[number]
/** Column titles: short words that wrap on a phone (the calls are spelled out in the note). */
export const MODE_TITLES: Record<Mode, string> = {
  once: 'No retry',
  retries: `retries: ${RETRIES}`,
  dedupe: `retries: ${RETRIES} + dedupe`,
}

export interface AckSettings {
  dropRate: number
  delayMs: number
  ackTimeoutMs: number
}

/** One way's figures. */
export interface AckRow {
  mode: Mode
  delivered: number
  failed: number
  /** The handler's runs (effects), from `flaky:report`. */
  handled: number
  duplicates: number
  /** Answers `duplicate: true`: attempts the dedupe store recognised (the effect did not run again). */
  dedupeHits: number
  dropped: number
  latencies: number[]
}

/** The p-th percentile (0-100) of `values`, 0 when empty. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}

/** Sends `ids` in order on one socket (its retry queue sends one at a time anyway); counts into `row`. */
async function lane(ctx: LabContext, peer: LabPeer, ids: string[], timeoutMs: number, row: AckRow): Promise<void> {
  for (const [n, messageId] of ids.entries()) {
    if (!ctx.current()) return
    const start = Date.now()
    const ack = await peer.client.request('flaky:work', { messageId, seq: n + 1 }, timeoutMs)
    if ('error' in ack) row.failed += 1
    else {
      row.delivered += 1
      if (ack.duplicate) row.dedupeHits += 1
      row.latencies.push(Date.now() - start)
    }
  }
}

async function runMode(ctx: LabContext, mode: Mode, s: AckSettings, progress: Progress): Promise<AckRow> {
  const instance = ctx.instances[0]
  if (!instance) throw new Error('no instance is up')
  progress(`${MODE_TITLES[mode]}: sending ${MESSAGES} messages…`)
  const options = mode === 'once' ? {} : { retries: RETRIES, ackTimeout: s.ackTimeoutMs }
  const peers = await Promise.all(
    Array.from({ length: LANES }, (_, n) => openLab(ctx, { instance, side: 'pubsub', label: `${mode}-${n + 1}`, options })),
  )
  const control = peers[0]
  if (!control) throw new Error('no socket')
  await control.client.request('flaky:reset', {})
  const configured = await control.client.request('flaky:configure', {
    dropRate: s.dropRate,
    delayMs: s.delayMs,
    dedupe: mode === 'dedupe',
  })
  if ('error' in configured) throw new Error(`flaky:configure: ${configured.error.code} ${configured.error.message}`)
  const row: AckRow = { mode, delivered: 0, failed: 0, handled: 0, duplicates: 0, dedupeHits: 0, dropped: 0, latencies: [] }
  const run = Math.random().toString(36).slice(2, 8)
  const ids = Array.from({ length: MESSAGES }, (_, n) => `${mode}-${run}-${n + 1}`)
  // Each try waits `ackTimeoutMs`; with retries, socket.io-client tries again after a timeout.
  await Promise.all(
    peers.map((peer, n) =>
      lane(
        ctx,
        peer,
        ids.filter((_, i) => i % LANES === n),
        s.ackTimeoutMs,
        row,
      ),
    ),
  )
  await ctx.sleep(s.delayMs + 200) // handler runs still in progress when the client gave up
  const report = await control.client.request('flaky:report', {})
  if (!('error' in report)) {
    row.handled = report.handled
    row.duplicates = report.duplicateEffects
    row.dropped = report.dropped
  }
  for (const peer of peers) peer.client.close()
  return row
}

/** One row per figure, one column per way of sending (three narrow columns fit a phone). */
function figureRows(rows: AckRow[], delayMs: number) {
  const mean = (r: AckRow) => (r.latencies.length ? r.latencies.reduce((a, b) => a + b, 0) / r.latencies.length : 0)
  const cell = (r: AckRow, key: string, value: number) => h('span', { 'data-testid': `rl-${key}-${r.mode}`, text: value })
  const latency = (r: AckRow) => (r.latencies.length ? `${ms(percentile(r.latencies, 50))} / ${ms(percentile(r.latencies, 95))}` : '–')
  const added = (r: AckRow) => (r.latencies.length ? `+${ms(Math.max(0, mean(r) - delayMs))}` : '–')
  return [
    ['Delivered', ...rows.map((r) => cell(r, 'delivered', r.delivered))],
    ['Failed', ...rows.map((r) => cell(r, 'failed', r.failed))],
    ['Handler runs', ...rows.map((r) => cell(r, 'handled', r.handled))],
    ['Duplicated', ...rows.map((r) => cell(r, 'duplicates', r.duplicates))],
    ['Deduped', ...rows.map((r) => cell(r, 'dedupe-hits', r.dedupeHits))],
    ['Dropped', ...rows.map((r) => String(r.dropped))],
    ['Ack p50 / p95', ...rows.map(latency)],
    ['Added', ...rows.map(added)],
  ]
}

async function runAcks(ctx: LabContext, s: AckSettings, progress: Progress): Promise<Outcome> {
  const rows: AckRow[] = []
  for (const mode of MODES) {
    if (!ctx.current()) break
    rows.push(await runMode(ctx, mode, s, progress))
  }
  const figures: Record<string, number> = {}
  for (const row of rows) {
    figures[`${row.mode}Delivered`] = row.delivered
    figures[`${row.mode}Failed`] = row.failed
    figures[`${row.mode}Handled`] = row.handled
    figures[`${row.mode}Duplicates`] = row.duplicates
    figures[`${row.mode}DedupeHits`] = row.dedupeHits
  }
  return {
    figures,
    summary:
      rows.map((r) => `${MODE_TITLES[r.mode]}: ${r.delivered} delivered, ${r.failed} failed, ${r.duplicates} duplicated`).join('; ') + '.',
    view: h(
      'div',
      {},
      table(
        `${MESSAGES} messages, drop ${Math.round(s.dropRate * 100)} %, handler delay ${s.delayMs} ms, ack timeout ${s.ackTimeoutMs} ms`,
        ['', ...rows.map((r) => MODE_TITLES[r.mode])],
        figureRows(rows, s.delayMs),
        'rl-acks-table',
      ),
      h('p', {
        class: 'rl-note',
        text: `${MESSAGES} messages, drop ${Math.round(s.dropRate * 100)} %, handler ${s.delayMs} ms. No retry: socket.timeout(${s.ackTimeoutMs}).emitWithAck(); retries: the client's retries: ${RETRIES} and ackTimeout: ${s.ackTimeoutMs} (per try); dedupe: the server skips an id it already ran. Delivered: acked in the end; failed: the client gave up. Duplicated: handler runs beyond one per message id. Deduped: answered \u201cduplicate\u201d, the effect not run again. Added: mean time to ack minus the handler's ${s.delayMs} ms.`,
      }),
    ),
  }
}

/** @example EXPERIMENTS.push(ACKS) */
export const ACKS: Experiment = {
  id: 'acks',
  title: 'Acks, timeouts, retries, idempotency',
  caption: `${MESSAGES} messages through a flaky handler, sent three ways.`,
  setup() {
    const drop = numberControl({ label: 'Drop', min: 0, max: 90, value: 20, unit: '%', testid: 'rl-drop' })
    const delay = numberControl({ label: 'Handler delay', min: 0, max: 2000, step: 50, value: 100, unit: 'ms', testid: 'rl-delay' })
    const timeout = numberControl({ label: 'Ack timeout', min: 100, max: 3000, step: 50, value: 300, unit: 'ms', testid: 'rl-ack-timeout' })
    return {
      controls: [drop.el, delay.el, timeout.el],
      run: (ctx, progress) =>
        runAcks(ctx, { dropRate: drop.value() / 100, delayMs: delay.value(), ackTimeoutMs: timeout.value() }, progress),
    }
  },
}
