/**
 * Experiment 1, "Lost or recovered": per side (Redis Streams adapter with connection state
 * recovery, and the pub/sub adapter), a sender on one instance keeps sending numbered messages to
 * a receiver on another; the receiver's connection is cut client side for N seconds (as a network
 * drop would: the server sees `transport close`) and restored with the same socket, so recovery's
 * session id and offset are sent. Shown per side: `socket.recovered`, ids missed, replayed, lost.
 */
import { h } from '../../sandbox/dom.ts'
import { openLab, type LabPeer } from './clients.ts'
import { numberControl } from './controls.ts'
import type { Experiment, LabContext, Outcome, Progress } from './types.ts'
import { until } from './until.ts'
import { fateLegend, figures, idList, idStrip, ms, type Fate } from './view.ts'

export const SIDES = ['streams', 'pubsub'] as const
export type Side = (typeof SIDES)[number]
export const SIDE_TITLES: Record<Side, string> = { streams: 'Redis Streams adapter + recovery', pubsub: 'Redis pub/sub adapter' }

/** Sending runs this long before the cut and after the restore, ms. */
const LEAD_MS = 1000
const TAIL_MS = 1500
/** At most this many messages per side (the interval grows with the cut). */
const MAX_MESSAGES = 40
/** How long the senders wait for the restored receivers' hello. */
const RECONNECT_WAIT_MS = 5000

/** What one side's receiver saw, and when. */
export interface SideLog {
  side: Side
  /** seq -> time the sender emitted it (once acked). */
  sent: Map<number, number>
  /** seq -> time the receiver got it. */
  received: Map<number, number>
  cutAt: number
  restoreAt: number
  recovered: boolean | null
  /** The socket id before the cut, and after the restore ('' until then). */
  ids: [string, string]
  maxDisconnectionDuration: number
}

/** One side's figures: missed = not received before the cut, sent before the restore. */
export function sideFigures(log: SideLog) {
  const seqs = [...log.sent.keys()].sort((a, b) => a - b)
  const receivedBeforeCut = (seq: number) => (log.received.get(seq) ?? Infinity) < log.cutAt
  const missed = seqs.filter((seq) => !receivedBeforeCut(seq) && (log.sent.get(seq) ?? Infinity) < log.restoreAt)
  const replayed = missed.filter((seq) => log.received.has(seq))
  const lost = seqs.filter((seq) => !log.received.has(seq))
  const fate = (seq: number): Fate => (!log.received.has(seq) ? 'lost' : replayed.includes(seq) ? 'replayed' : 'live')
  return { seqs, missed, replayed, lost, cells: seqs.map((id) => ({ id, fate: fate(id) })) }
}

/** The senders' switch: sending, paused while the receivers reconnect, or done. */
interface Sending {
  state: 'on' | 'paused' | 'done'
}

/**
 * Sends `lab:send` from every side's sender every `everyMs` (skipping while paused) until done; a
 * message counts as sent, at the time it was emitted, once the server acked it.
 */
async function sendLoop(ctx: LabContext, pairs: Pair[], logs: Map<Side, SideLog>, everyMs: number, sending: Sending): Promise<void> {
  let seq = 0
  while (sending.state !== 'done' && seq < MAX_MESSAGES * 2 && ctx.current()) {
    if (sending.state === 'on') {
      const n = ++seq
      const at = Date.now()
      for (const { side, sender } of pairs)
        void sender.client.request('lab:send', { seq: n }).then((ack) => {
          if (!('error' in ack)) logs.get(side)?.sent.set(n, at)
        })
    }
    await ctx.sleep(everyMs)
  }
}

interface Pair {
  side: Side
  sender: LabPeer
  receiver: LabPeer
}

/** One log per side, fed by its receiver; `recovered` is null until the next hello. */
function watch(pairs: Pair[]): Map<Side, SideLog> {
  const logs = new Map<Side, SideLog>()
  for (const { side, receiver } of pairs) {
    const max = receiver.hello.maxDisconnectionDuration
    const log: SideLog = {
      side,
      sent: new Map(),
      received: new Map(),
      cutAt: Infinity,
      restoreAt: Infinity,
      recovered: null,
      ids: [receiver.hello.id, ''],
      maxDisconnectionDuration: max,
    }
    logs.set(side, log)
    receiver.client.on('lab:message', (m) => log.received.has(m.seq) || log.received.set(m.seq, Date.now()))
    receiver.client.on('hello', (hello) => {
      log.recovered = hello.recovered
      log.ids[1] = hello.id
    })
  }
  return logs
}

/**
 * Restores every receiver with the senders paused, and waits for their hello: no message is sent
 * while a receiver is reconnecting, so each id is either missed during the cut or sent to a
 * connected receiver (nothing falls between the two).
 */
async function restoreAll(ctx: LabContext, pairs: Pair[], logs: Map<Side, SideLog>, sending: Sending): Promise<void> {
  sending.state = 'paused'
  for (const { side, receiver } of pairs) {
    const log = logs.get(side)
    if (log) log.restoreAt = Date.now()
    receiver.client.restore()
  }
  await until(ctx, () => [...logs.values()].every((log) => log.recovered !== null), RECONNECT_WAIT_MS)
  sending.state = 'on'
}

async function runRecovery(ctx: LabContext, cutSeconds: number, progress: Progress): Promise<Outcome> {
  const [first, second] = [ctx.instances[0], ctx.instances[1] ?? ctx.instances[0]]
  if (!first || !second) throw new Error('no instance is up')
  progress('Connecting a sender and a receiver per side…')
  const pairs = await Promise.all(
    SIDES.map(async (side) => ({
      side,
      sender: await openLab(ctx, { instance: first, side, label: 'sender' }),
      receiver: await openLab(ctx, { instance: second, side, label: 'receiver' }),
    })),
  )
  const logs = watch(pairs)
  const cutMs = cutSeconds * 1000
  const everyMs = Math.max(250, Math.ceil((LEAD_MS + cutMs + TAIL_MS) / MAX_MESSAGES))
  const sending: Sending = { state: 'on' }
  const loop = sendLoop(ctx, pairs, logs, everyMs, sending)
  await ctx.sleep(LEAD_MS)
  progress(`Receivers cut for ${cutSeconds} s; the senders keep sending…`)
  for (const { side, receiver } of pairs) {
    const log = logs.get(side)
    if (log) Object.assign(log, { cutAt: Date.now(), recovered: null })
    receiver.client.cut()
  }
  await ctx.sleep(cutMs)
  progress('Connections restored; waiting for the receivers…')
  await restoreAll(ctx, pairs, logs, sending)
  await ctx.sleep(TAIL_MS)
  sending.state = 'done'
  await loop
  await ctx.sleep(600) // the last acks and broadcasts are still travelling
  return outcome([...logs.values()], cutMs)
}

function sideView(log: SideLog): HTMLElement {
  const f = sideFigures(log)
  const recovered = log.recovered === null ? 'did not reconnect' : String(log.recovered)
  return h(
    'section',
    { class: 'rl-side', 'data-testid': `rl-recovery-${log.side}` },
    h('h5', { text: SIDE_TITLES[log.side] }),
    figures([
      ['socket.recovered', recovered, `rl-recovered-${log.side}`],
      ['Socket id', !log.ids[1] ? '–' : log.ids[1] === log.ids[0] ? 'same' : 'new', `rl-socket-id-${log.side}`],
      ['Sent', f.seqs.length, `rl-sent-${log.side}`],
      ['Missed while cut', f.missed.length, `rl-missed-${log.side}`],
      ['Replayed', f.replayed.length, `rl-replayed-${log.side}`],
      ['Lost', f.lost.length, `rl-lost-${log.side}`],
    ]),
    idStrip('Ids at the receiver', f.cells, `rl-strip-${log.side}`),
    h('p', { class: 'rl-note', text: `Missed: ${idList(f.missed)}. Lost: ${idList(f.lost)}.` }),
  )
}

function outcome(logs: SideLog[], cutMs: number): Outcome {
  const figs = new Map(logs.map((log) => [log.side, sideFigures(log)]))
  const max = logs[0]?.maxDisconnectionDuration ?? 0
  const longer = cutMs > max
  const summary = logs
    .map(
      (log) =>
        `${log.side}: recovered ${String(log.recovered)}, ${figs.get(log.side)?.replayed.length ?? 0} replayed, ${figs.get(log.side)?.lost.length ?? 0} lost`,
    )
    .join('; ')
  const data: Record<string, string | number | boolean> = { cutMs }
  for (const log of logs) {
    const f = figs.get(log.side)
    data[`${log.side}Recovered`] = String(log.recovered)
    data[`${log.side}SameId`] = String(log.ids[1] === log.ids[0])
    data[`${log.side}Missed`] = f?.missed.length ?? 0
    data[`${log.side}Replayed`] = f?.replayed.length ?? 0
    data[`${log.side}Lost`] = f?.lost.length ?? 0
  }
  return {
    summary: `${summary}.`,
    figures: data,
    view: h(
      'div',
      {},
      h('p', {
        class: 'rl-note',
        'data-testid': 'rl-recovery-window',
        text: `Cut: ${ms(cutMs)}; maxDisconnectionDuration: ${ms(max)}${longer ? ' (the cut is longer: no recovery)' : ''}.`,
      }),
      h('div', { class: 'rl-sides' }, ...logs.map(sideView)),
      fateLegend(),
    ),
  }
}

/** @example EXPERIMENTS.push(RECOVERY) */
export const RECOVERY: Experiment = {
  id: 'recovery',
  title: 'Lost or recovered',
  caption: 'A receiver per adapter is cut for N seconds while a sender on another instance keeps sending.',
  setup() {
    const cut = numberControl({ label: 'Cut for', min: 1, max: 30, value: 3, unit: 's', testid: 'rl-cut-seconds' })
    return { controls: [cut.el], run: (ctx, progress) => runRecovery(ctx, cut.value(), progress) }
  },
}
