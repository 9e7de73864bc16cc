/**
 * The live monitoring panel: the learner's space and the cluster, side by side, refreshed every
 * second while on screen (and not paused), each figure with a sparkline of its last minute.
 * Changes in refusals are announced politely, at most once every `ANNOUNCE_EVERY_MS`.
 */
import { h } from '../../sandbox/dom.ts'
import { visiblePoller } from '../../sandbox/session.ts'
import { sparkline } from './sparkline.ts'
import { FIGURES, show, type FigureName, type Snapshot } from './stats.ts'

const HISTORY = 60
export const ANNOUNCE_EVERY_MS = 10_000

interface Cell {
  value: HTMLElement
  history: number[]
  spark: ReturnType<typeof sparkline>
}

function cell(label: string): Cell & { el: HTMLElement } {
  const value = h('span', { class: 'lab-value', text: '—' })
  const spark = sparkline(label, 80, 20)
  return { value, spark, history: [], el: h('td', {}, value, spark.el) }
}

/** The indicators table: one row per figure, a cell (value + sparkline) for the space and the cluster. */
function createTable() {
  const cells = new Map<string, Cell>()
  const rows = FIGURES.map(([key, label]) => {
    const space = cell(`${label}, your space, last minute`)
    const cluster = cell(`${label}, cluster, last minute`)
    cells.set(`space.${key}`, space)
    cells.set(`cluster.${key}`, cluster)
    return h('tr', { 'data-testid': `lab-row-${key}` }, h('th', { scope: 'row', text: label }), space.el, cluster.el)
  })
  const table = h(
    'table',
    { class: 'lab-table' },
    h('caption', { class: 'sr-only', text: 'Live indicators of your space and of the cluster' }),
    h('thead', {}, h('tr', {}, ...['Indicator', 'Your space', 'Cluster'].map((text) => h('th', { scope: 'col', text })))),
    h('tbody', {}, ...rows),
  )
  return { table, cells }
}

/** Writes a snapshot into the cells and appends it to their sparklines. */
function renderCells(cells: Map<string, Cell>, snap: Snapshot) {
  for (const scope of ['space', 'cluster'] as const) {
    for (const [key, , unit] of FIGURES) {
      const c = cells.get(`${scope}.${key}`)
      const value = snap[scope][key]
      if (!c) continue
      c.value.textContent = show(value, unit)
      c.history.push(value ?? 0)
      if (c.history.length > HISTORY) c.history.shift()
      c.spark.update(c.history)
    }
  }
}

export interface PanelOptions {
  root: HTMLElement
  read(): Promise<Snapshot | null>
  announce(text: string): void
  intervalMs?: number
}

/**
 * @example
 * const panel = createPanel({ root, read: () => readSnapshot(...), announce: session.announce })
 * panel.start()
 */
export function createPanel(o: PanelOptions) {
  const status = h('p', { class: 'lab-muted', 'data-testid': 'lab-panel-status', text: 'Reading…' })
  const pause = h('button', {
    type: 'button',
    class: 'lab-btn',
    'aria-pressed': 'false',
    'data-testid': 'lab-pause',
    text: 'Pause',
    onclick: toggle,
  })
  const { table, cells } = createTable()
  const el = h(
    'section',
    { class: 'lab-panel-box', 'aria-labelledby': 'lab-panel-title', 'data-testid': 'lab-panel' },
    h('h4', { id: 'lab-panel-title', text: 'Live monitoring' }),
    pause,
    h('div', { class: 'lab-scroll', tabindex: 0, role: 'region', 'aria-label': 'Indicators table' }, table),
    status,
  )
  let paused = false
  let lastAnnounced = 0
  let previous: Snapshot | null = null
  // Bumped by clear(): a reading of the previous space that lands later is dropped.
  let epoch = 0
  const poller = visiblePoller(o.root, o.intervalMs ?? 1000, () => void refresh())

  function toggle() {
    paused = !paused
    pause.textContent = paused ? 'Resume' : 'Pause'
    pause.setAttribute('aria-pressed', String(paused))
    if (paused) poller.stop()
    else poller.start()
  }
  function render(snap: Snapshot) {
    renderCells(cells, snap)
    status.textContent = `${snap.answered} of ${snap.of} instances answered; refreshed every second while visible.`
  }
  function maybeAnnounce(snap: Snapshot) {
    const changed = (key: FigureName) => previous !== null && previous.space[key] !== snap.space[key]
    if ((changed('rejected') || changed('rateLimited')) && Date.now() - lastAnnounced >= ANNOUNCE_EVERY_MS) {
      lastAnnounced = Date.now()
      o.announce(`Your space: ${show(snap.space.rejected)} rejected handshakes, ${show(snap.space.rateLimited)} rate-limited events.`)
    }
    previous = snap
  }
  async function refresh() {
    const mine = epoch
    const snap = await o.read()
    if (!snap || mine !== epoch) return
    render(snap)
    maybeAnnounce(snap)
  }
  return {
    el,
    refresh,
    start() {
      if (!paused) poller.start()
      void refresh()
    },
    stop: () => poller.stop(),
    /** Forgets the space's figures and their history (the space changed); the cluster's go on. */
    clear() {
      epoch++
      previous = null
      for (const [key, c] of cells)
        if (key.startsWith('space.')) {
          c.value.textContent = '—'
          c.history = []
          c.spark.update([])
        }
    },
    destroy: () => poller.destroy(),
  }
}
export type Panel = ReturnType<typeof createPanel>
