/**
 * Keyboard focus that survives a re-render: disabling the focused button (Start while running,
 * Stop once stopped) or replacing it (a room chip's leave ×) drops focus to `<body>`, and a
 * keyboard user starts again from the top of the page. Take `focused()` before the change, call
 * `restoreFocus` after it with the controls that make sense next. It lives in the sandbox layer
 * because the space bar's join form needs it too, and that layer never imports a widget.
 */

/** The element with keyboard focus now (null outside a browser). */
export const focused = (): Element | null => (typeof document === 'undefined' ? null : document.activeElement)

const usable = (el: HTMLElement | null | undefined): el is HTMLElement =>
  Boolean(el?.isConnected) &&
  !el?.hidden &&
  !(el instanceof HTMLButtonElement && el.disabled) &&
  !(el instanceof HTMLInputElement && el.disabled)

/**
 * When `before` lost focus in the change (removed, hidden or disabled), focuses the first usable
 * of `candidates`; does nothing when focus was elsewhere or is still fine.
 *
 * @example
 * const before = focused()
 * startButton.disabled = true
 * restoreFocus(before, stopButton)
 */
export function restoreFocus(before: Element | null, ...candidates: (HTMLElement | null | undefined)[]): void {
  if (!(before instanceof HTMLElement) || before === document.body) return
  if (usable(before) && document.activeElement === before) return
  candidates.find(usable)?.focus()
}
