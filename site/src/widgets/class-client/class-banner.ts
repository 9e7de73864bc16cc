/**
 * The instructor's announcement as a banner at the top of the page: text nodes only, in the live
 * region the Banner override renders (`#rtwb-class-banner`, role="status"), dismissible (for this
 * tab: a dismissed announcement stays hidden on the tab's next pages, a newer one shows).
 * Styles: `.rtwb-announce*` in components/overrides/Banner.astro.
 */
import type { Announcement } from '@realtime-workbook/sandbox-server/protocol/classes'
import { h } from '../../sandbox/dom.ts'

const DISMISSED_KEY = 'rtwb:class-dismissed:v1'

function dismissedAt(): number {
  try {
    return Number(sessionStorage.getItem(DISMISSED_KEY) ?? 0)
  } catch {
    return 0
  }
}

/** The live region (the Banner override's; made at the top of `<body>` on a page without it). */
function region(): HTMLElement {
  const found = document.getElementById('rtwb-class-banner')
  if (found) return found
  const made = h('div', { id: 'rtwb-class-banner', role: 'status', 'aria-live': 'polite' })
  document.body.prepend(made)
  return made
}

/** Replaces the banner's content with `label` + `text` and a Dismiss button. */
function render(kind: 'announcement' | 'notice', label: string, text: string, onDismiss: () => void): void {
  const box = h(
    'div',
    { class: `rtwb-announce rtwb-announce-${kind}`, 'data-testid': `class-${kind}` },
    h('p', {}, h('strong', { text: label }), ' ', h('span', { 'data-testid': `class-${kind}-text`, text })),
    h('button', {
      type: 'button',
      class: 'rtwb-announce-close',
      'data-testid': `class-${kind}-dismiss`,
      text: 'Dismiss',
      onclick: () => {
        onDismiss()
        box.remove()
      },
    }),
  )
  region().replaceChildren(box)
}

/**
 * Shows `announcement` (unless this tab dismissed it), or clears the banner with `null`.
 *
 * @example
 * showAnnouncement({ text: 'Open lesson 3', at: Date.now() })
 */
export function showAnnouncement(announcement: Announcement | null): void {
  if (!announcement) return void region().replaceChildren()
  if (announcement.at <= dismissedAt()) return
  render('announcement', 'Instructor:', announcement.text, () => {
    try {
      sessionStorage.setItem(DISMISSED_KEY, String(announcement.at))
    } catch {
      /* dismissed for this page only */
    }
  })
}

/**
 * A one-off notice from the class client (e.g. the class was closed).
 *
 * @example
 * showNotice('The instructor closed the class: you are back in your own space.')
 */
export function showNotice(text: string): void {
  render('notice', 'Class:', text, () => undefined)
}
