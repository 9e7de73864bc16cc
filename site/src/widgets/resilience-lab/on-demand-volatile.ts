/**
 * Experiment 4, "Volatile events and slow consumers": the server streams position updates to the
 * space's `/streams` namespace (recovery on); one client is paused (its connection cut) in the
 * middle and resumed. Normal events missed while paused come back as a burst on resume; volatile
 * ones are never stored, so only fresh positions arrive. Shown per mode: what arrived before the
 * pause, on resume (the burst) and after, and what never arrived. Loaded on the first click
 * (its definition, in volatile.ts, is on the page).
 */
import { h } from '../../sandbox/dom.ts'
import { openLab } from './clients.ts'
import type { LabContext, Outcome, Progress } from './types.ts'
import { until } from './until.ts'
import { EVERY_MS, POSITIONS } from './volatile.ts'
import { fateLegend, figures, idStrip, type Fate, type FateNames } from './view.ts'

/** The strip colours, named for positions. */
const POSITION_FATES: FateNames = { live: 'received live', replayed: 'in the burst on resume', lost: 'never arrived' }

export interface VolatileLog {
  volatile: boolean
  /** seq -> arrival time at the paused client. */
  received: Map<number, number>
  /** seq -> arrival time at the connected watcher: what the server sent, and when. */
  sent: Map<number, number>
  pauseAt: number
  resumeAt: number
}

/**
 * The paused client's figures: before the pause; the burst (sent while it was paused, received
 * after: replayed on resume); fresh (sent after the resume); never received. Nothing reaches a cut
 * client, so what it handles between the cut and the resume was already on its way before the cut
 * (a busy page runs those handlers late): that counts as "before", never as the burst.
 */
export function volatileFigures(log: VolatileLog) {
  const seqs = [...new Set([...log.sent.keys(), ...log.received.keys()])].sort((a, b) => a - b)
  const at = (seq: number) => log.received.get(seq)
  const sentAt = (seq: number) => log.sent.get(seq) ?? Infinity
  const never = seqs.filter((seq) => at(seq) === undefined)
  const before = seqs.filter((seq) => (at(seq) ?? Infinity) < log.resumeAt)
  const burst = seqs.filter((seq) => (at(seq) ?? -1) >= log.resumeAt && sentAt(seq) < log.resumeAt)
  const fresh = seqs.filter((seq) => (at(seq) ?? -1) >= log.resumeAt && sentAt(seq) >= log.resumeAt)
  const fate = (seq: number): Fate => (never.includes(seq) ? 'lost' : burst.includes(seq) ? 'replayed' : 'live')
  return { seqs, before, burst, fresh, never, cells: seqs.map((id) => ({ id, fate: fate(id) })) }
}

/** Bound of each wait on the stream (a stalled server must not hang the run): three times the whole stream. */
const STREAM_WAIT_MS = 3 * POSITIONS * EVERY_MS

/**
 * One mode's run. The cut, the resume and the end follow the stream as the connected watcher
 * receives it, not the clock alone: on a loaded machine the server's timer runs late, and a pause
 * timed by the clock alone could span only a few positions (or none) and prove nothing. The pause
 * lasts `pauseMs` AND until the watcher has received `pauseMs / EVERY_MS` positions sent after the
 * cut, so every one of those was sent before the resume.
 */
async function runMode(ctx: LabContext, volatile: boolean, pauseMs: number, progress: Progress): Promise<VolatileLog> {
  const instance = ctx.instances[0]
  if (!instance) throw new Error('no instance is up')
  const watcher = await openLab(ctx, { instance, side: 'streams', label: 'watcher' })
  const paused = await openLab(ctx, { instance, side: 'streams', label: 'paused' })
  const log: VolatileLog = { volatile, received: new Map(), sent: new Map(), pauseAt: Infinity, resumeAt: Infinity }
  watcher.client.on('position', (p) => log.sent.has(p.seq) || log.sent.set(p.seq, Date.now()))
  // Positions the connected watcher has: the stream's clock.
  const seen = (): number => log.sent.size
  paused.client.on('position', (p) => log.received.has(p.seq) || log.received.set(p.seq, Date.now()))
  const started = await watcher.client.request('lab:positions', { count: POSITIONS, everyMs: EVERY_MS, volatile })
  if ('error' in started) throw new Error(`lab:positions: ${started.error.code} ${started.error.message}`)
  progress(`${volatile ? 'Volatile' : 'Normal'} positions: pausing the client for ${pauseMs / 1000} s…`)
  await until(ctx, () => seen() >= POSITIONS / 4, STREAM_WAIT_MS)
  paused.client.cut()
  log.pauseAt = Date.now()
  const cutAt = seen()
  await ctx.sleep(pauseMs)
  await until(ctx, () => seen() >= Math.min(POSITIONS, cutAt + pauseMs / EVERY_MS), STREAM_WAIT_MS)
  log.resumeAt = Date.now()
  paused.client.restore()
  // The end: the watcher has the last position, and the resumed client too (or it never reconnected).
  await until(ctx, () => log.sent.has(POSITIONS), STREAM_WAIT_MS)
  await until(ctx, () => log.received.has(POSITIONS), 2_000)
  watcher.client.close()
  paused.client.close()
  return log
}

function modeView(log: VolatileLog): HTMLElement {
  const f = volatileFigures(log)
  const mode = log.volatile ? 'volatile' : 'normal'
  return h(
    'section',
    { class: 'rl-side', 'data-testid': `rl-volatile-${mode}` },
    h('h5', { text: log.volatile ? 'socket.volatile.emit' : 'socket.emit' }),
    figures([
      ['Sent', f.seqs.length, `rl-positions-sent-${mode}`],
      ['Before the pause', f.before.length, `rl-before-${mode}`],
      ['Burst on resume', f.burst.length, `rl-burst-${mode}`],
      ['Fresh after', f.fresh.length, `rl-fresh-${mode}`],
      ['Never arrived', f.never.length, `rl-never-${mode}`],
    ]),
    idStrip('Positions at the paused client', f.cells, `rl-strip-${mode}`, POSITION_FATES),
  )
}

/**
 * Both modes, normal then volatile, and their figures side by side.
 *
 * @example
 * const outcome = await runVolatile(ctx, 2, progress)
 */
export async function runVolatile(ctx: LabContext, pauseSeconds: number, progress: Progress): Promise<Outcome> {
  const normal = await runMode(ctx, false, pauseSeconds * 1000, progress)
  const vol = await runMode(ctx, true, pauseSeconds * 1000, progress)
  const [n, v] = [volatileFigures(normal), volatileFigures(vol)]
  return {
    figures: {
      normalBurst: n.burst.length,
      normalNever: n.never.length,
      volatileBurst: v.burst.length,
      volatileNever: v.never.length,
    },
    summary: `normal: ${n.burst.length} in a burst on resume, ${n.never.length} never; volatile: ${v.burst.length} in a burst, ${v.never.length} never.`,
    view: h('div', {}, h('div', { class: 'rl-sides' }, modeView(normal), modeView(vol)), fateLegend(POSITION_FATES)),
  }
}
