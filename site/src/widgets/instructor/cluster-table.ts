/**
 * The cluster table of the instructor console and the projector: one row per instance from its
 * `GET /instructor/cluster` figures (or "down" when it did not answer), and a totals line. Text
 * nodes only.
 */
import type { InstanceFigures } from '@realtime-workbook/sandbox-server/protocol'
import { h } from '../../sandbox/dom.ts'

/** One instance of the directory and what it answered (`null`: no answer). */
export interface ClusterRow {
  id: string
  figures: InstanceFigures | null
}

/** Column titles, short enough for the console's content column; `title` says it in full. */
const HEADER: [string, string][] = [
  ['Instance', 'Instance'],
  ['State', 'State and uptime'],
  ['Learners', 'Learner sockets (every /s/<space>/… namespace, lesson 5 included)'],
  ['Observers', 'Observer sockets (the widgets’ /observe tracers, instructor and admin namespaces)'],
  ['In/s', 'Learner events received per second (last 10 s)'],
  ['Out/s', 'Events written to learner sockets per second (last 10 s)'],
  ['RSS / heap', 'Memory: resident set size / V8 heap used, MB'],
  ['Lag p99', 'Event-loop delay, 99th percentile, since the previous read'],
  ['Redis', 'The instance’s Redis link'],
]

const MB = 1024 * 1024
const rate = (value: number | null): string => (value === null ? 'off' : value < 10 ? value.toFixed(1) : String(Math.round(value)))
const memory = (f: InstanceFigures): string => `${Math.round(f.rssBytes / MB)} / ${Math.round(f.heapUsedBytes / MB)} MB`
const lag = (f: InstanceFigures): string => `${f.loopLagP99Ms < 10 ? f.loopLagP99Ms.toFixed(1) : Math.round(f.loopLagP99Ms)} ms`

const uptime = (s: number): string => (s < 120 ? `${s} s` : s < 7200 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h`)

/** The state cell: `up`, `degraded` (Redis not ready), `draining`, or `down`. */
function stateOf(f: InstanceFigures | null): { text: string; bad: boolean } {
  if (!f) return { text: 'down', bad: true }
  if (f.state === 'ok') return { text: `up ${uptime(f.uptimeSeconds)}`, bad: false }
  return { text: f.state, bad: true }
}

function row({ id, figures: f }: ClusterRow): HTMLTableRowElement {
  const state = stateOf(f)
  const cells = f
    ? [String(f.learnerSockets), String(f.observerSockets), rate(f.eventsInPerSecond), rate(f.eventsOutPerSecond), memory(f), lag(f)]
    : []
  return h(
    'tr',
    { 'data-testid': 'iv-row', 'data-instance': id, 'data-up': String(Boolean(f)), 'data-state': f?.state ?? 'down' },
    h('th', { scope: 'row', text: id }),
    h('td', { class: state.bad ? 'iv-bad' : 'iv-ok', text: state.text }),
    ...(f ? cells.map((text) => h('td', { text })) : [h('td', { colspan: 6, class: 'iv-note', text: 'not answering' })]),
    h('td', {
      class: !f || f.redis === 'ready' || f.redis === 'disabled' ? '' : 'iv-bad',
      'data-testid': 'iv-redis',
      text: f?.redis ?? '–',
    }),
  )
}

/**
 * The table and its summary line.
 *
 * @example
 * const table = createClusterTable()
 * table.render([{ id: 'i1', figures }, { id: 'i2', figures: null }])
 */
export function createClusterTable(): { el: HTMLElement; render(rows: ClusterRow[]): void } {
  const summary = h('p', { class: 'iv-summary', 'data-testid': 'iv-summary' })
  const body = h('tbody')
  const el = h(
    'div',
    { class: 'iv-cluster' },
    summary,
    h(
      'div',
      { class: 'iv-scroll' },
      // Focusable: at 390 px the table scrolls sideways inside itself (Starlight's content tables do).
      h(
        'table',
        { class: 'iv-table', 'data-testid': 'iv-table', tabindex: '0' },
        h('thead', {}, h('tr', {}, ...HEADER.map(([text, title]) => h('th', { scope: 'col', title, text })))),
        body,
      ),
    ),
  )
  return {
    el,
    render(rows) {
      const up = rows.filter((r) => r.figures)
      const learners = up.reduce((sum, r) => sum + (r.figures?.learnerSockets ?? 0), 0)
      const observers = up.reduce((sum, r) => sum + (r.figures?.observerSockets ?? 0), 0)
      summary.textContent = `${up.length} of ${rows.length} instances up · ${learners} learner sockets · ${observers} observer sockets · updated ${new Date().toLocaleTimeString()}`
      body.replaceChildren(...rows.map(row))
    },
  }
}
