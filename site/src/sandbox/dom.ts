/**
 * Tiny DOM helper for widgets. Text is always set with `textContent` / text nodes, never parsed
 * as HTML, so learner and network strings cannot inject markup.
 */
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>
export type Child = Node | string | null | undefined | false

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue
    if (typeof value === 'function') el.addEventListener(name.slice(2), value)
    else if (name === 'class') el.className = String(value)
    else if (name === 'text') el.textContent = String(value)
    else if (name === 'value' || name === 'checked' || name === 'disabled' || name === 'hidden') {
      ;(el as unknown as Record<string, unknown>)[name] = value
    } else el.setAttribute(name, value === true ? '' : String(value))
  }
  el.append(...children.filter((c): c is Node | string => c != null && c !== false))
  return el
}

let counter = 0
/** A unique id for label/aria wiring. */
export const uid = (prefix: string): string => `${prefix}-${++counter}`
