/**
 * The server-side event log: its toolbar (kind and client filters, pause with a counter of
 * buffered events, clear) around the entries (log-entries.ts).
 */
import { logRegion } from '../../sandbox/announcer.ts'
import { h } from '../../sandbox/dom.ts'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import { createLogEntries, type Category, type Entry } from './log-entries.ts'

const CATEGORIES: [Category, string][] = [
  ['call', 'Calls'],
  ['delivery', 'Deliveries'],
  ['room', 'Joins/leaves'],
  ['connection', 'Connects'],
  ['error', 'Errors'],
]

export interface EventLog {
  el: HTMLElement
  add(event: TraceEvent): void
  setClients(labels: string[]): void
  clear(): void
}

/** One checkbox per category, all checked; `onToggle` after each change. */
function kindFilters(shown: Set<Category>, onToggle: () => void): HTMLFieldSetElement {
  return h(
    'fieldset',
    { class: 'rp-kinds' },
    h('legend', { text: 'Show' }),
    ...CATEGORIES.map(([category, text]) =>
      h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          checked: true,
          value: category,
          'data-testid': 'rp-log-kind',
          onchange: (e: Event) => {
            if (e.target instanceof HTMLInputElement && e.target.checked) shown.add(category)
            else shown.delete(category)
            onToggle()
          },
        }),
        ` ${text}`,
      ),
    ),
  )
}

/** Pause / Resume: while paused events wait in a buffer, counted; resuming flushes them. */
function pauseControl(flush: (events: TraceEvent[]) => void) {
  let paused = false
  let buffer: TraceEvent[] = []
  const pending = h('span', { class: 'rp-hint', 'data-testid': 'rp-log-buffered' })
  const render = () => (pending.textContent = paused ? `Paused: ${buffer.length} new event${buffer.length === 1 ? '' : 's'} waiting` : '')
  const button = h('button', {
    type: 'button',
    class: 'rp-btn',
    'data-testid': 'rp-log-pause',
    'aria-pressed': 'false',
    text: 'Pause',
    onclick: () => {
      paused = !paused
      button.textContent = paused ? 'Resume' : 'Pause'
      button.setAttribute('aria-pressed', String(paused))
      if (!paused) flush(buffer.splice(0))
      render()
    },
  })
  return {
    button,
    pending,
    /** True when the event was buffered. */
    hold(event: TraceEvent): boolean {
      if (paused) buffer.push(event)
      render()
      return paused
    },
    drop() {
      buffer = []
      render()
    },
  }
}

/**
 * An instance reports a delivery only when it wrote the packet to at least one socket; after
 * `settleMs` the log adds "(nobody)" for the other traced instances (`tracedInstances()`).
 *
 * @example
 * const log = createEventLog(session.traced)
 * observer.on('trace', log.add)
 */
export function createEventLog(tracedInstances: () => string[] = () => [], settleMs = 500): EventLog {
  const empty = h('p', { class: 'rp-hint', text: 'No server events yet: add a client, join a room, send.' })
  const shown = new Set<Category>(CATEGORIES.map(([c]) => c))
  let clientFilter = ''
  const visible = (e: Entry) => shown.has(e.category) && (!clientFilter || e.labels.has(clientFilter))
  const log = createLogEntries(tracedInstances, settleMs, visible, () => (empty.hidden = true))
  const applyFilters = () => {
    for (const e of log.entries) e.el.hidden = !visible(e)
    log.list.classList.toggle('rp-no-deliveries', !shown.has('delivery'))
  }
  const clientSelect = h('select', {
    'data-testid': 'rp-log-client',
    onchange: () => {
      clientFilter = clientSelect.value
      applyFilters()
    },
  })
  const pause = pauseControl((events) => events.forEach(log.insert))
  const clear = () => {
    log.clear()
    pause.drop()
    empty.hidden = false
  }
  const el = h(
    'section',
    { class: 'rp-logbox', 'aria-label': 'Server event log' },
    h('h4', { text: 'Server event log' }),
    h(
      'div',
      { class: 'rp-toolbar' },
      kindFilters(shown, applyFilters),
      h('label', {}, 'Client ', clientSelect),
      pause.button,
      h('button', { type: 'button', class: 'rp-btn', 'data-testid': 'rp-log-clear', text: 'Clear', onclick: clear }),
      pause.pending,
    ),
    empty,
    logRegion('Server-side event log', log.list),
  )

  const setClients = (labels: string[]) => {
    const keep = labels.includes(clientFilter) ? clientFilter : ''
    clientSelect.replaceChildren(h('option', { value: '', text: 'All clients' }), ...labels.map((l) => h('option', { value: l, text: l })))
    clientSelect.value = keep
    if (keep === clientFilter) return
    clientFilter = keep
    applyFilters()
  }
  setClients([])
  return { el, add: (event) => pause.hold(event) || log.insert(event), setClients, clear }
}
