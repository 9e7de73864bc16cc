/**
 * The result views the experiments share, all text nodes: a figure list, a table (scrolls on a
 * phone), a strip of message ids coloured by fate (with the fate in each cell's accessible name
 * and a text legend), and a bar timeline (heights from numbers, never from markup).
 */
import { h, type Child } from '../../sandbox/dom.ts'

/** A figure: label, value, and the test id of its value. */
export type Figure = [label: string, value: string | number, testid: string]

/**
 * @example
 * figures([['Delivered', 50, 'rl-delivered']])
 */
export function figures(rows: Figure[]): HTMLElement {
  return h(
    'dl',
    { class: 'rl-figures' },
    ...rows.flatMap(([label, value, testid]) => [
      h('div', {}, h('dt', { text: label }), h('dd', { 'data-testid': testid, text: String(value) })),
    ]),
  )
}

/**
 * A table with a visible header row and a caption for screen readers.
 *
 * @example
 * table('Bytes per message', ['Format', 'Bytes'], [['json', '120']])
 */
export function table(caption: string, head: string[], rows: Child[][], testid?: string): HTMLElement {
  return h(
    'div',
    { class: 'rl-scroll', tabindex: 0, role: 'region', 'aria-label': caption },
    h(
      'table',
      { class: 'rl-table', 'data-testid': testid },
      h('caption', { class: 'sr-only', text: caption }),
      h('thead', {}, h('tr', {}, ...head.map((text) => h('th', { scope: 'col', text })))),
      h('tbody', {}, ...rows.map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, first), ...rest.map((c) => h('td', {}, c))))),
    ),
  )
}

/** What happened to one message id on the receiving side. */
export type Fate = 'live' | 'replayed' | 'lost'
export type FateNames = Record<Fate, string>
export const FATE_TEXT: FateNames = { live: 'received live', replayed: 'replayed on resume', lost: 'lost' }

/**
 * One row of message ids, each cell coloured by its fate.
 *
 * @example
 * idStrip('Streams: ids received', [{ id: 1, fate: 'live' }, { id: 2, fate: 'replayed' }], 'rl-strip-streams')
 */
export function idStrip(label: string, cells: { id: number; fate: Fate }[], testid: string, names: FateNames = FATE_TEXT): HTMLElement {
  return h(
    'div',
    { class: 'rl-strip-row' },
    h('p', { class: 'rl-strip-label', text: label }),
    h(
      'ol',
      { class: 'rl-strip', 'data-testid': testid, 'aria-label': label },
      ...cells.map(({ id, fate }) =>
        h('li', { class: `rl-id rl-${fate}`, 'data-fate': fate, 'aria-label': `${id} ${names[fate]}`, text: id }),
      ),
    ),
  )
}

/** The colour key of the id strips, as text. */
export function fateLegend(names: FateNames = FATE_TEXT): HTMLElement {
  return h(
    'p',
    { class: 'rl-legend' },
    ...(['live', 'replayed', 'lost'] as const).map((fate) =>
      h('span', {}, h('span', { class: `rl-key rl-${fate}`, 'aria-hidden': 'true' }), names[fate]),
    ),
  )
}

/**
 * A bar per bucket (e.g. reconnection attempts per 100 ms), scaled to `max`; the numbers are in
 * the accessible name and in a title on each bar.
 *
 * @example
 * bars('Default jitter: attempts per 100 ms', [0, 3, 12, 9], 30, 'rl-bars-jitter')
 */
export function bars(label: string, counts: number[], max: number, testid: string, bucketMs = 100): HTMLElement {
  const scale = Math.max(1, max)
  return h(
    'figure',
    { class: 'rl-bars-box' },
    h(
      'div',
      { class: 'rl-bars', role: 'img', 'data-testid': testid, 'aria-label': `${label}: ${counts.join(', ')}` },
      ...counts.map((n, i) => {
        const bar = h('span', { class: 'rl-bar', title: `${i * bucketMs}-${(i + 1) * bucketMs} ms: ${n}` })
        bar.style.height = `${Math.round((n / scale) * 100)}%`
        return bar
      }),
    ),
    h(
      'div',
      { class: 'rl-axis', 'aria-hidden': 'true' },
      ...Array.from({ length: Math.floor((counts.length * bucketMs) / 1000) + 1 }, (_, s) => h('span', { text: `${s} s` })),
    ),
    h('figcaption', { text: label }),
  )
}

/** Milliseconds as "850 ms" or "2.4 s". */
export const ms = (n: number): string => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`)

/** A short comma list of ids, "none" when empty, elided past `max`. */
export function idList(ids: number[], max = 24): string {
  if (!ids.length) return 'none'
  const shown = ids.slice(0, max).join(', ')
  return ids.length > max ? `${shown}, … (${ids.length})` : shown
}
