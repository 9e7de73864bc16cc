/** Shorthands shared by the widget's parts (text only, see sandbox/dom.ts). */
import { h } from '../../sandbox/dom.ts'

/** A button; `cls` adds classes after `cf-btn`, `id` is its test id. */
export const btn = (text: string, onclick: () => unknown, id?: string, cls = '') =>
  h('button', { type: 'button', class: `cf-btn${cls}`, 'data-testid': id, text, onclick })

export const para = (cls: string, text: string) => h('p', { class: cls, text })
