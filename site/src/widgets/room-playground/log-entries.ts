/**
 * The entries of the server event log: trace events of all instances merged by server time,
 * newest first, and deliveries grouped under their call by `traceId` (one line per instance,
 * "(nobody)" for a traced instance that delivered to no one).
 */
import { h } from '../../sandbox/dom.ts'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'

export type Category = 'call' | 'delivery' | 'room' | 'connection' | 'error'
type LogEvent = Exclude<TraceEvent, { kind: 'redis' | 'outage' | 'log' }>
const categoryOf = (kind: LogEvent['kind']): Category =>
  kind === 'join' || kind === 'leave' ? 'room' : kind === 'connect' || kind === 'disconnect' ? 'connection' : kind

const MAX_ENTRIES = 150

export interface Entry {
  at: number
  el: HTMLLIElement
  /** Labels this entry concerns, for the client filter. */
  labels: Set<string>
  category: Category
}

interface CallEntry extends Entry {
  deliveries: HTMLOListElement
  /** Delivery line per instance. */
  byInstance: Map<string, { el: HTMLLIElement; names: string[] }>
}

const time = (at: number) => `${new Date(at).toTimeString().slice(0, 8)}.${String(at % 1000).padStart(3, '0')}`

const head = (ev: TraceEvent, ...parts: (Node | string)[]): (Node | string)[] => [
  h('span', { class: 'rp-time', text: time(ev.at) }), ' ', h('span', { class: 'rp-inst', text: ev.instance }), ...parts,
]

/** The text of an event that is neither a call nor a delivery. */
function describe(ev: Exclude<LogEvent, { kind: 'call' | 'delivery' }>): (Node | string)[] {
  if (ev.kind === 'error') return [`: ${ev.label} error `, h('code', { text: ev.code }), ` ${ev.message}`]
  if (ev.kind === 'connect') return [`: ${ev.label} connected to ${ev.namespace} (socket ${ev.socketId.slice(0, 6)})`]
  if (ev.kind === 'disconnect') return [`: ${ev.label} disconnected (${ev.reason})`]
  const rooms = ev.rooms.filter((r) => r !== ev.socketId).join(', ') || 'none'
  return [`: ${ev.label} ${ev.kind === 'join' ? 'joined' : 'left'} `, h('code', { text: ev.room }), h('span', { class: 'rp-hint', text: ` (rooms: ${rooms})` })]
}

/** Adds `names` to the call's line for `instance` (created in instance order). */
function deliveryLine(entry: CallEntry, instance: string, names: string[]): void {
  const map = entry.byInstance
  const all = [...(map.get(instance)?.names ?? []), ...names]
  const el = h('li', { class: 'rp-log-item', 'data-testid': 'rp-log-item', 'data-kind': 'delivery', 'data-instance': instance },
    `${instance} → `, all.length ? all.join(', ') : h('span', { class: 'rp-nobody', text: '(nobody)' }))
  const old = map.get(instance)
  map.set(instance, { el, names: all })
  if (old) return old.el.replaceWith(el)
  const next = [...map].filter(([id]) => id > instance).sort(([a], [b]) => a.localeCompare(b))[0]
  entry.deliveries.insertBefore(el, next?.[1].el ?? null)
}

export interface LogEntries {
  list: HTMLOListElement
  entries: readonly Entry[]
  insert(ev: TraceEvent): void
  clear(): void
}

/**
 * @example
 * const log = createLogEntries(() => ['i1', 'i2'], 500, () => true, () => (empty.hidden = true))
 * observer.on('trace', log.insert)
 */
export function createLogEntries(tracedInstances: () => string[], settleMs: number, visible: (e: Entry) => boolean, onFirst: () => void): LogEntries {
  const list = h('ol', { class: 'rp-log', 'data-testid': 'rp-log' })
  const entries: Entry[] = []
  const calls = new Map<string, CallEntry>()

  function place(entry: Entry) {
    // Newest first; a late event from another instance slots in by its server time.
    let i = entries.findIndex((e) => e.at < entry.at)
    if (i === -1) i = entries.length
    list.insertBefore(entry.el, entries[i]?.el ?? null)
    entries.splice(i, 0, entry)
    while (entries.length > MAX_ENTRIES) entries.pop()?.el.remove()
    entry.el.hidden = !visible(entry)
    onFirst()
  }
  function callEntry(traceId: string, at: number): CallEntry {
    const known = calls.get(traceId)
    if (known) return known
    const deliveries = h('ol', { class: 'rp-deliveries' })
    const el = h('li', { class: 'rp-log-item rp-k-call', 'data-testid': 'rp-log-item', 'data-kind': 'call' }, deliveries)
    const entry: CallEntry = { at, el, labels: new Set(), category: 'call', deliveries, byInstance: new Map() }
    calls.set(traceId, entry)
    place(entry)
    setTimeout(() => {
      for (const instance of tracedInstances()) if (!entry.byInstance.has(instance)) deliveryLine(entry, instance, [])
    }, settleMs)
    return entry
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
    } else if (ev.kind === 'call') {
      const entry = callEntry(ev.traceId, ev.at)
      entry.labels.add(ev.label)
      entry.el.prepend(...head(ev, ' ran ', h('code', { text: ev.serverLine })),
        h('span', { class: 'rp-hint', text: ` ${ev.namespace} · from ${ev.label}: “${ev.text}”` }))
    } else {
      const el = h('li', { class: `rp-log-item rp-k-${ev.kind}`, 'data-testid': 'rp-log-item', 'data-kind': ev.kind }, ...head(ev, ...describe(ev)))
      place({ at: ev.at, el, labels: new Set([ev.label]), category: categoryOf(ev.kind) })
    }
  }
  return {
    list, entries, insert,
    clear() {
      entries.length = 0
      calls.clear()
      list.replaceChildren()
    },
  }
}
