/**
 * The server-side event log: trace events of all instances merged by time, deliveries grouped
 * under their call by `traceId`, kind/client filters, pause (buffering) and clear.
 */
import { h } from '../../sandbox/dom.ts'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'

type Category = 'call' | 'delivery' | 'room' | 'connection' | 'error'
const CATEGORIES: [Category, string][] = [
  ['call', 'Calls'],
  ['delivery', 'Deliveries'],
  ['room', 'Joins/leaves'],
  ['connection', 'Connects'],
  ['error', 'Errors'],
]
const categoryOf = (kind: Exclude<TraceEvent['kind'], 'redis' | 'outage' | 'log'>): Category =>
  kind === 'join' || kind === 'leave' ? 'room' : kind === 'connect' || kind === 'disconnect' ? 'connection' : kind

const MAX_ENTRIES = 150

interface Entry {
  at: number
  el: HTMLLIElement
  /** Labels this entry concerns, for the client filter. */
  labels: Set<string>
  category: Category
  deliveries?: HTMLOListElement
  /** Delivery line per instance. */
  byInstance?: Map<string, { el: HTMLLIElement; names: string[] }>
}

const time = (at: number) => `${new Date(at).toTimeString().slice(0, 8)}.${String(at % 1000).padStart(3, '0')}`

export interface EventLog {
  el: HTMLElement
  add(event: TraceEvent): void
  setClients(labels: string[]): void
  clear(): void
}

/**
 * An instance reports a delivery only when it wrote the packet to at least one socket; after
 * `settleMs` the log adds "(nobody)" for the other traced instances (`tracedInstances()`).
 */
export function createEventLog(tracedInstances: () => string[] = () => [], settleMs = 500): EventLog {
  const list = h('ol', { class: 'rp-log', 'data-testid': 'rp-log' })
  const empty = h('p', { class: 'rp-hint', text: 'No server events yet: add a client, join a room, send.' })
  const entries: Entry[] = []
  const calls = new Map<string, Entry>()
  const shown = new Set<Category>(CATEGORIES.map(([c]) => c))
  let clientFilter = ''
  let paused = false
  let buffer: TraceEvent[] = []

  const visible = (e: Entry) => shown.has(e.category) && (!clientFilter || e.labels.has(clientFilter))
  const applyFilters = () => {
    for (const e of entries) e.el.hidden = !visible(e)
    list.classList.toggle('rp-no-deliveries', !shown.has('delivery'))
  }

  const clientSelect = h('select', {
    'data-testid': 'rp-log-client',
    onchange: () => {
      clientFilter = clientSelect.value
      applyFilters()
    },
  })
  const pendingText = h('span', { class: 'rp-hint', 'data-testid': 'rp-log-buffered' })
  const pause = h('button', {
    type: 'button',
    class: 'rp-btn',
    'data-testid': 'rp-log-pause',
    'aria-pressed': 'false',
    text: 'Pause',
    onclick: () => {
      paused = !paused
      pause.textContent = paused ? 'Resume' : 'Pause'
      pause.setAttribute('aria-pressed', String(paused))
      if (!paused) {
        const flushing = buffer
        buffer = []
        for (const ev of flushing) insert(ev)
      }
      renderPending()
    },
  })
  const renderPending = () => {
    pendingText.textContent = paused ? `Paused: ${buffer.length} new event${buffer.length === 1 ? '' : 's'} waiting` : ''
  }

  const kinds = h(
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
            if ((e.target as HTMLInputElement).checked) shown.add(category)
            else shown.delete(category)
            applyFilters()
          },
        }),
        ` ${text}`,
      ),
    ),
  )

  const head = (ev: TraceEvent, ...parts: (Node | string)[]): (Node | string)[] => [
    h('span', { class: 'rp-time', text: time(ev.at) }),
    ' ',
    h('span', { class: 'rp-inst', text: ev.instance }),
    ...parts,
  ]

  function place(entry: Entry) {
    // Newest first; a late event from another instance slots in by its server time.
    let i = entries.findIndex((e) => e.at < entry.at)
    if (i === -1) i = entries.length
    list.insertBefore(entry.el, entries[i]?.el ?? null)
    entries.splice(i, 0, entry)
    while (entries.length > MAX_ENTRIES) {
      const old = entries.pop()
      old?.el.remove()
    }
    entry.el.hidden = !visible(entry)
    empty.hidden = true
  }

  function callEntry(traceId: string, at: number): Entry {
    let entry = calls.get(traceId)
    if (!entry) {
      const deliveries = h('ol', { class: 'rp-deliveries' })
      entry = {
        at,
        el: h('li', { class: 'rp-log-item rp-k-call', 'data-testid': 'rp-log-item', 'data-kind': 'call' }, deliveries),
        labels: new Set(),
        category: 'call',
        deliveries,
        byInstance: new Map(),
      }
      calls.set(traceId, entry)
      place(entry)
      const e = entry
      setTimeout(() => {
        for (const instance of tracedInstances()) if (!e.byInstance?.has(instance)) deliveryLine(e, instance, [])
      }, settleMs)
    }
    return entry
  }

  function deliveryLine(entry: Entry, instance: string, names: string[]) {
    const map = entry.byInstance
    if (!map || !entry.deliveries) return
    const all = [...(map.get(instance)?.names ?? []), ...names]
    const el = h(
      'li',
      { class: 'rp-log-item', 'data-testid': 'rp-log-item', 'data-kind': 'delivery', 'data-instance': instance },
      `${instance} → `,
      all.length ? all.join(', ') : h('span', { class: 'rp-nobody', text: '(nobody)' }),
    )
    const old = map.get(instance)
    map.set(instance, { el, names: all })
    if (old) old.el.replaceWith(el)
    else {
      const next = [...map].filter(([id]) => id > instance).sort(([a], [b]) => a.localeCompare(b))[0]
      entry.deliveries.insertBefore(el, next?.[1].el ?? null)
    }
  }

  function insert(ev: TraceEvent) {
    // Redis traffic and outage simulation belong to the cluster fan-out (lesson 3), not here.
    if (ev.kind === 'redis' || ev.kind === 'outage' || ev.kind === 'log') return
    if (ev.kind === 'delivery') {
      const entry = callEntry(ev.traceId, ev.at)
      const names = ev.recipients.map((r) => r.label)
      for (const n of names) entry.labels.add(n)
      deliveryLine(entry, ev.instance, names)
      entry.el.hidden = !visible(entry)
      return
    }
    if (ev.kind === 'call') {
      const entry = callEntry(ev.traceId, ev.at)
      entry.labels.add(ev.label)
      entry.el.prepend(
        ...head(ev, ' ran ', h('code', { text: ev.serverLine })),
        h('span', { class: 'rp-hint', text: ` ${ev.namespace} · from ${ev.label}: “${ev.text}”` }),
      )
      return
    }
    let parts: (Node | string)[]
    if (ev.kind === 'error') {
      parts = [`: ${ev.label} error `, h('code', { text: ev.code }), ` ${ev.message}`]
    } else if (ev.kind === 'connect') {
      parts = [`: ${ev.label} connected to ${ev.namespace} (socket ${ev.socketId.slice(0, 6)})`]
    } else if (ev.kind === 'disconnect') {
      parts = [`: ${ev.label} disconnected (${ev.reason})`]
    } else {
      const rooms = ev.rooms.filter((r) => r !== ev.socketId).join(', ') || 'none'
      parts = [`: ${ev.label} ${ev.kind === 'join' ? 'joined' : 'left'} `, h('code', { text: ev.room }),
        h('span', { class: 'rp-hint', text: ` (rooms: ${rooms})` })]
    }
    const el = h('li', { class: `rp-log-item rp-k-${ev.kind}`, 'data-testid': 'rp-log-item', 'data-kind': ev.kind }, ...head(ev, ...parts))
    place({ at: ev.at, el, labels: new Set([ev.label]), category: categoryOf(ev.kind) })
  }

  const el = h(
    'section',
    { class: 'rp-logbox', 'aria-label': 'Server event log' },
    h('h4', { text: 'Server event log' }),
    h(
      'div',
      { class: 'rp-toolbar' },
      kinds,
      h('label', {}, 'Client ', clientSelect),
      pause,
      h('button', {
        type: 'button',
        class: 'rp-btn',
        'data-testid': 'rp-log-clear',
        text: 'Clear',
        onclick: () => log.clear(),
      }),
      pendingText,
    ),
    empty,
    list,
  )

  const log: EventLog = {
    el,
    add(event) {
      if (paused) {
        buffer.push(event)
        renderPending()
      } else insert(event)
    },
    setClients(labels) {
      const keep = labels.includes(clientFilter) ? clientFilter : ''
      clientSelect.replaceChildren(
        h('option', { value: '', text: 'All clients' }),
        ...labels.map((l) => h('option', { value: l, text: l })),
      )
      clientSelect.value = keep
      if (keep !== clientFilter) {
        clientFilter = keep
        applyFilters()
      }
    },
    clear() {
      entries.length = 0
      calls.clear()
      buffer = []
      list.replaceChildren()
      empty.hidden = false
      renderPending()
    },
  }
  log.setClients([])
  return log
}
