/**
 * The one way a widget tells a screen reader what a sighted learner sees change: a polite live
 * region, written at most once per `intervalMs`. Whatever happens within a window is coalesced
 * into one announcement: the latest `say` text, then one summary per `count` key ("12 messages
 * received, last: …"). The same text twice in a row is dropped unless `repeatMs` passed (then it
 * is news again, e.g. the learner pressed Send twice). Text nodes only (`textContent`).
 *
 * Logs and message lists are `role="log"` regions (`logRegion`). A log implies `aria-live="polite"`,
 * so one the announcer already summarises is set to `aria-live="off"`: otherwise a burst would be
 * read line by line AND as the summary. A log nothing else announces (the instructor's fault log)
 * keeps the implied polite.
 */
import { h } from './dom.ts'

export interface Announcer {
  /** The live region (`role="status"`, polite), to put in the widget's frame. */
  readonly el: HTMLElement
  /** Announces `text` in the next window; a later `say` of the same window replaces it. */
  say(text: string): void
  /** Counts one event of `key`; at the window's end `summary(n)` (the latest one given) phrases the `n` events. */
  count(key: string, summary: (n: number) => string): void
  /** Drops what is pending and stops the timer. */
  destroy(): void
}

/**
 * Creates a throttled announcer; `el` is its live region.
 *
 * @example
 * const live = createAnnouncer(h('p', { class: 'sr-only' }))
 * frame.append(live.el)
 * client.on('message', (m) => live.count('rx', (n) => (n > 1 ? `${n} messages received, last: ` : '') + `B got "${m.text}"`))
 */
export function createAnnouncer(el: HTMLElement, intervalMs = 1000, repeatMs = 10_000): Announcer {
  let said = ''
  let last = ''
  let lastAt = -Infinity
  let timer: ReturnType<typeof setTimeout> | undefined
  const counts = new Map<string, { n: number; summary: (n: number) => string }>()
  el.setAttribute('role', 'status')
  el.setAttribute('aria-live', 'polite')
  function flush(): void {
    timer = undefined
    const text = [said, ...[...counts.values()].map((c) => c.summary(c.n))].filter(Boolean).join(' ')
    said = ''
    counts.clear()
    const now = Date.now()
    if (!text || (text === last && now - lastAt < repeatMs)) return
    last = text
    lastAt = now
    el.textContent = text
  }
  function schedule(): void {
    // A short settle time gathers what arrives together (one io.emit reaching three clients).
    timer ??= setTimeout(flush, Math.max(100, lastAt + intervalMs - Date.now()))
  }
  return {
    el,
    say(text) {
      said = text
      schedule()
    },
    count(key, summary) {
      counts.set(key, { n: (counts.get(key)?.n ?? 0) + 1, summary })
      schedule()
    },
    destroy() {
      clearTimeout(timer)
      timer = undefined
      said = ''
      counts.clear()
    },
  }
}

/**
 * Wraps a list in a `role="log"` region (a wrapper, so `<li>` keep their list parent); `quiet`
 * (`aria-live="off"`) when the widget's announcer already summarises what the list shows.
 *
 * @example
 * card.append(logRegion('Received by B', receivedList))
 */
export function logRegion(label: string, list: HTMLElement, quiet = true): HTMLDivElement {
  return h('div', { role: 'log', 'aria-live': quiet ? 'off' : null, 'aria-label': label }, list)
}
