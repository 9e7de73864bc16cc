/**
 * The one way a widget tells a screen reader what a sighted learner sees change: a polite live
 * region (`role="status"`: polite), written at most once a second. Whatever happens within a
 * window is coalesced into one announcement: the latest `say` text, then the window's count of
 * events ("12 messages received, last: …"; one tally per widget: what its clients receive). The
 * same text twice in a row is dropped unless 10 s passed (then it is news again, e.g. the learner
 * pressed Send twice). Text nodes only (`textContent`).
 *
 * Logs and message lists are `role="log"` regions (`logRegion`). A log implies `aria-live="polite"`,
 * so one the announcer already summarises is set to `aria-live="off"`: otherwise a burst would be
 * read line by line AND as the summary. A log nothing else announces (the instructor's fault log)
 * keeps the implied polite.
 */
import { h } from './dom.ts'

export interface Announcer {
  /** The live region, to put in the widget's frame. */
  readonly el: HTMLElement
  /** Announces `text` in the next window; a later `say` of the same window replaces it. */
  say(text: string): void
  /** Counts one event; at the window's end `summary(n)` (the latest one given) phrases the window's `n` events. */
  count(summary: (n: number) => string): void
}

/**
 * Creates a throttled announcer; `el` is its live region.
 *
 * @example
 * const live = createAnnouncer(h('p', { class: 'sr-only' }))
 * frame.append(live.el)
 * client.on('message', (m) => live.count((n) => (n > 1 ? `${n} messages received, last: ` : '') + `B got "${m.text}"`))
 */
export function createAnnouncer(el: HTMLElement): Announcer {
  let said = ''
  let n = 0
  let summary: ((n: number) => string) | undefined
  let last = ''
  let lastAt = -Infinity
  let timer: ReturnType<typeof setTimeout> | undefined
  el.setAttribute('role', 'status')
  function flush(): void {
    timer = undefined
    const text = [said, summary?.(n)].filter(Boolean).join(' ')
    said = ''
    n = 0
    summary = undefined
    const now = Date.now()
    if (!text || (text === last && now - lastAt < 10_000)) return
    last = text
    lastAt = now
    el.textContent = text
  }
  function schedule(): void {
    // A short settle time gathers what arrives together (one io.emit reaching three clients).
    timer ??= setTimeout(flush, Math.max(100, lastAt + 1000 - Date.now()))
  }
  return {
    el,
    say(text) {
      said = text
      schedule()
    },
    count(phrase) {
      n++
      summary = phrase
      schedule()
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
