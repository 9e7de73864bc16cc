/**
 * One transport's panel in the race: state, counters (events, missing and duplicate ids, latency
 * percentiles, HTTP requests, wire bytes per event, open connections, close code), a latency
 * sparkline and the buttons (send, cut, close cleanly, reopen).
 */
import { h } from '../../sandbox/dom.ts'
import type { TransportCounters, TransportName } from '../../sandbox/transports.ts'
import type { ChannelState } from './channels.ts'
import { bytesPerEvent, sparkline, Tally } from './metrics.ts'

export const TITLES: Record<TransportName, string> = { 'long-polling': 'Long polling', sse: 'SSE', websocket: 'WebSocket' }
const fmt = (v: number | null, unit = '') => (v == null ? '–' : `${Math.round(v)}${unit}`)
export type Panel = ReturnType<typeof createPanel>

/**
 * @example
 * const panel = createPanel('sse', { cut, send, closeClean, reopen })
 * panel.tally.add(41, 12); panel.render()
 */
export function createPanel(name: TransportName, actions: { cut(): void; send(): void; closeClean(): void; reopen(): void }) {
  const cell = (testid: string) => h('dd', { 'data-testid': testid, text: '–' })
  const f = {
    events: cell('tr-events'), missing: cell('tr-missing'), dup: cell('tr-dup'), p50: cell('tr-p50'), p95: cell('tr-p95'),
    requests: cell('tr-requests'), bpe: cell('tr-bytes-per-event'), open: cell('tr-open'), code: cell('tr-close-code'),
  }
  const ws = name === 'websocket'
  const state = h('span', { class: 'tr-state', 'data-testid': 'tr-state', text: 'closed' })
  const note = h('p', { class: 'tr-hint tr-note', 'data-testid': 'tr-note', 'aria-live': 'polite' })
  const sent = h('p', { class: 'tr-hint', 'data-testid': 'tr-send-result' })
  const chart = sparkline(`${TITLES[name]}: latency of the last 100 events`)
  const row = (label: string, dd: HTMLElement) => [h('dt', { text: label }), dd]
  const button = (testid: string, text: string, onclick: () => void) => h('button', { type: 'button', class: 'tr-btn', 'data-testid': testid, text, onclick, disabled: true })
  const buttons = [
    button('tr-send', 'Send to server', actions.send),
    button('tr-cut', 'Cut the connection', actions.cut),
    ws && button('tr-close-clean', 'Close cleanly', actions.closeClean),
    ws && button('tr-reopen', 'Reopen', actions.reopen),
  ].filter((b): b is HTMLButtonElement => !!b)
  const reopen = buttons[3]
  if (reopen) reopen.hidden = true
  const el = h('article', { class: 'tr-panel', 'data-testid': 'tr-panel', 'data-transport': name },
    h('header', { class: 'tr-row' }, h('h4', { text: TITLES[name] }), state),
    h('dl', { class: 'tr-stats' },
      ...row('Events', f.events), ...row('Missing ids', f.missing), ...row('Duplicate ids', f.dup),
      ...row('Latency p50, ms', f.p50), ...row('Latency p95, ms', f.p95),
      ...row('HTTP requests', f.requests), ...row('Wire bytes / event', f.bpe), ...row('Open connections', f.open),
      ...(ws ? row('Last close code', f.code) : [])),
    h('figure', {}, chart.el, h('figcaption', { class: 'tr-hint', text: 'latency, last 100 events' })),
    note, h('p', { class: 'tr-row' }, ...buttons), sent)
  let tally = new Tally(0)
  return {
    el, f, note, sent, buttons,
    /** The run whose channel may still report states here (also while it closes after Stop). */
    run: -1,
    state: 'closed' as ChannelState,
    get tally() { return tally },
    reset(from: number) {
      tally = new Tally(from)
      for (const k of ['requests', 'bpe', 'open', 'code'] as const) f[k].textContent = '–'
      sent.textContent = note.textContent = ''
      this.render()
    },
    setState(s: ChannelState, text?: string) {
      this.state = s
      if (reopen) reopen.hidden = s !== 'closed'
      state.textContent = s === 'closed' && ws && f.code.textContent !== '–' ? `closed (${f.code.textContent})` : s
      state.className = `tr-state tr-st-${s}`
      if (text !== undefined) note.textContent = text
    },
    render() {
      f.events.textContent = String(tally.received)
      f.missing.textContent = String(tally.missing.size)
      f.dup.textContent = String(tally.duplicates)
      f.p50.textContent = fmt(tally.p(0.5))
      f.p95.textContent = fmt(tally.p(0.95))
      chart.update(tally.latencies.slice(-100))
    },
    stats(c: TransportCounters) {
      f.requests.textContent = String(c.httpRequests)
      f.bpe.textContent = fmt(bytesPerEvent(c), ' B')
      f.open.textContent = String(c.openConnections)
    },
  }
}

