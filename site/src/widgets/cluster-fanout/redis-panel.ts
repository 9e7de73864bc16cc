/**
 * The Redis traffic panel: one row per Redis message of the space's `/with-redis` namespace.
 * Every watched instance's tap reports the messages it read; the reports are merged by `key`.
 */
import { logRegion } from '../../sandbox/announcer.ts'
import { h } from '../../sandbox/dom.ts'
import type { RedisTraffic } from '@realtime-workbook/sandbox-server/protocol'
import { btn, para } from './ui.ts'

export interface MergedTraffic {
  traffic: RedisTraffic
  /** The instance whose report names itself, `emitter`, or null (e.g. responses). */
  publishedBy: string | null
  /** Instances whose tap read the message (the publisher reads its own copy too). */
  receivedBy: string[]
}

/** Merges one instance's report into `merged` (by key) and returns the merged row. */
export function mergeRedisReport(merged: Map<string, MergedTraffic>, report: RedisTraffic & { instance: string }): MergedTraffic {
  let row = merged.get(report.key)
  if (!row) merged.set(report.key, (row = { traffic: report, publishedBy: null, receivedBy: [] }))
  // A broadcast or request is named by its publisher only (its own uid); a response by every
  // reader, from the answer's content (the adapter puts no sender in responses).
  const trusted = report.publishedBy === 'emitter' || report.publishedBy === report.instance || report.type === 'response'
  if (report.publishedBy !== null && trusted) row.publishedBy = report.publishedBy
  // Only instances whose adapter is subscribed (they host the namespace) receive it from Redis.
  if (report.subscribed && !row.receivedBy.includes(report.instance)) row.receivedBy = [...row.receivedBy, report.instance].sort()
  return row
}

const MAX_ROWS = 100
const TYPES = ['broadcast', 'request', 'response'] as const

export interface RedisPanel {
  el: HTMLElement
  add(report: RedisTraffic & { instance: string }): void
  clear(): void
}

/** One row of the panel: type, packet, size, publisher, readers, rooms and exceptions (labelled), channel. */
function renderRow(row: MergedTraffic, shownType: string, labelOf: (socketId: string) => string | undefined): HTMLLIElement {
  const names = (ids: string[]) =>
    ids
      .map((id) => {
        const l = labelOf(id)
        return l ? `${l} (${id})` : id
      })
      .join(', ')
  const t = row.traffic
  const by = row.publishedBy ?? 'unknown (the answer names no instance)'
  const li = h(
    'li',
    {
      class: `cf-redis-row cf-t-${t.type}`,
      'data-testid': 'cf-redis-row',
      'data-type': t.type,
      'data-published-by': row.publishedBy ?? '',
      'data-received-by': row.receivedBy.join(','),
    },
    h('b', { class: 'cf-tag', text: t.type }),
    ` ${t.packetType}${t.event ? ` "${t.event}"` : ''} · ${t.bytes} B · published by ${by} · read by ${row.receivedBy.map((i) => (i === row.publishedBy ? `${i} (own copy)` : i)).join(', ')}${
      t.rooms.length ? ` · rooms: ${names(t.rooms)}` : ''
    }${t.except.length ? ` · except: ${names(t.except)}` : ''}`,
    h('br'),
    h('code', { text: t.channel }),
  )
  li.hidden = Boolean(shownType) && t.type !== shownType
  return li
}

/** `labelOf` turns a socket id into a client label when the widget knows it. */
export function createRedisPanel(labelOf: (socketId: string) => string | undefined): RedisPanel {
  const merged = new Map<string, MergedTraffic>()
  const rows = new Map<string, HTMLLIElement>()
  const list = h('ol', { class: 'cf-redis-list', 'data-testid': 'cf-redis-list' })
  const empty = para('cf-hint', 'No Redis message yet: send from the Adapter ON lane.')
  const waiting = h('span', { class: 'cf-hint', 'aria-live': 'polite' })
  let paused = false
  let buffer: (RedisTraffic & { instance: string })[] = []
  const filter = h(
    'select',
    { 'data-testid': 'cf-redis-filter', onchange: () => applyFilter() },
    h('option', { value: '', text: 'all types' }),
    ...TYPES.map((t) => h('option', { value: t, text: t })),
  )
  const applyFilter = () => {
    for (const li of rows.values()) li.hidden = Boolean(filter.value) && li.dataset.type !== filter.value
  }
  function insert(report: RedisTraffic & { instance: string }) {
    const row = mergeRedisReport(merged, report)
    const li = renderRow(row, filter.value, labelOf)
    const old = rows.get(report.key)
    if (old) old.replaceWith(li)
    else list.prepend(li)
    rows.set(report.key, li)
    while (rows.size > MAX_ROWS) {
      const [oldest] = rows.keys()
      if (oldest === undefined) break
      rows.get(oldest)?.remove()
      rows.delete(oldest)
      merged.delete(oldest)
    }
    empty.hidden = true
  }

  const pause = btn(
    'Pause',
    () => {
      paused = !paused
      pause.textContent = paused ? 'Resume' : 'Pause'
      pause.setAttribute('aria-pressed', String(paused))
      if (!paused) buffer.splice(0).forEach(insert)
      waiting.textContent = ''
    },
    'cf-redis-pause',
  )
  pause.setAttribute('aria-pressed', 'false')
  const panel: RedisPanel = {
    el: h(
      'section',
      { class: 'cf-box' },
      h('h4', { text: 'Redis traffic (Adapter ON, your space)' }),
      h(
        'div',
        { class: 'cf-row' },
        h('label', {}, 'Show ', filter),
        pause,
        btn('Clear', () => panel.clear(), 'cf-redis-clear'),
        waiting,
      ),
      empty,
      logRegion('Redis traffic', list),
    ),
    add(report) {
      if (!paused) return insert(report)
      buffer.push(report)
      waiting.textContent = `Paused: ${buffer.length} report(s) waiting`
    },
    clear() {
      merged.clear()
      rows.clear()
      buffer = []
      list.replaceChildren()
      empty.hidden = false
      waiting.textContent = ''
    },
  }
  return panel
}
