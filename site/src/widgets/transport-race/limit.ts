/**
 * Connection-limit demo: bare SSE streams to one host over HTTP/1.1. A browser keeps about 6
 * connections per host, so the 7th stream waits until one is released.
 */
import { h } from '../../sandbox/dom.ts'
import { transportUrl, type EventSourceLike, type TransportClients } from '../../sandbox/transports.ts'
import { focused, restoreFocus } from '../../sandbox/focus.ts'

export const MAX_STREAMS = 8

export interface LimitStream {
  n: number
  status: 'waiting' | 'open'
  source: EventSourceLike
}

/** The state machine, without DOM: streams opened, opening, released. */
export function createLimit(clients: TransportClients, onChange: () => void) {
  let streams: LimitStream[] = []
  let counter = 0
  let target: { base: string; space: string } | null = null
  const release = (s: LimitStream) => {
    s.source.onopen = s.source.onerror = null
    s.source.close()
    streams = streams.filter((x) => x !== s)
  }
  return {
    streams: () => streams,
    setTarget(base: string, space: string) {
      if (target?.base !== base || target.space !== space) this.releaseAll()
      target = { base, space }
    },
    open() {
      if (!target || streams.length >= MAX_STREAMS) return
      const source = clients.sse(transportUrl(target.base, target.space, `/slot/${++counter}`))
      const stream: LimitStream = { n: counter, status: 'waiting', source }
      // Fires when the response starts, i.e. once the browser found a free connection.
      source.onopen = () => {
        if (!streams.includes(stream)) return source.close()
        stream.status = 'open'
        onChange()
      }
      source.onerror = () => {
        if (source.readyState === 1 || stream.status === 'waiting') return
        stream.status = 'waiting'
        onChange()
      }
      streams.push(stream)
      onChange()
    },
    release(n: number) {
      const s = streams.find((x) => x.n === n)
      if (s) release(s)
      onChange()
    },
    releaseAll() {
      streams.forEach(release)
      counter = 0
      onChange()
    },
  }
}

export function createLimitPanel(clients: TransportClients) {
  const list = h('ol', { class: 'tr-limit-list' })
  const where = h('p', { class: 'tr-hint' })
  const summary = h('p', { 'aria-live': 'polite', 'data-testid': 'tr-limit-summary' })
  const openBtn = h('button', {
    type: 'button',
    class: 'tr-btn',
    'data-testid': 'tr-limit-open',
    text: 'Open one more SSE stream',
    onclick: () => limit.open(),
  })
  const releaseBtn = h('button', {
    type: 'button',
    class: 'tr-btn',
    'data-testid': 'tr-limit-release',
    text: 'Release all',
    onclick: () => limit.releaseAll(),
  })
  const render = () => {
    const before = focused()
    const streams = limit.streams()
    list.replaceChildren(
      ...streams.map((s) =>
        h(
          'li',
          { 'data-testid': 'tr-limit-stream', 'data-status': s.status, class: `tr-s-${s.status}` },
          `Stream ${s.n}: `,
          h('strong', { text: s.status === 'open' ? 'open' : 'waiting for a free connection…' }),
          ' ',
          h('button', {
            type: 'button',
            class: 'tr-x',
            'data-testid': 'tr-limit-close',
            'aria-label': `Release stream ${s.n}`,
            text: 'release',
            onclick: () => limit.release(s.n),
          }),
        ),
      ),
    )
    const open = streams.filter((s) => s.status === 'open').length
    summary.textContent = streams.length ? `${open} open, ${streams.length - open} waiting.` : 'No stream open.'
    openBtn.disabled = streams.length >= MAX_STREAMS
    releaseBtn.disabled = !streams.length
    restoreFocus(before, ...list.querySelectorAll<HTMLButtonElement>('[data-testid="tr-limit-close"]'), openBtn, releaseBtn)
  }
  const limit = createLimit(clients, render)
  render()
  const el = h(
    'section',
    { class: 'tr-box', 'data-testid': 'tr-limit' },
    h('h4', { text: 'Connection limit (HTTP/1.1)' }),
    where,
    h('p', { class: 'tr-row' }, openBtn, releaseBtn),
    summary,
    list,
  )
  return {
    el,
    limit,
    setTarget(base: string, label: string, space: string) {
      where.textContent = `Streams go to ${label} (${base.replace(/^https?:\/\//, '')}), not the race's instance: the limit counts per host and port, and other open requests to that host (other tabs too) use connections as well. Up to ${MAX_STREAMS} streams.`
      limit.setTarget(base, space)
    },
    destroy: () => limit.releaseAll(),
  }
}
