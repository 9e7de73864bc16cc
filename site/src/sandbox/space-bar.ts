/**
 * The "space bar" every widget shows: the learner's own space code with a copy button, a field to
 * join a classmate's space, a way back, and "Join class" (its form loads on the first click:
 * `on-demand-class-join.ts`). Styles: `.sb*` in the widget stylesheet.
 */
import { h, uid } from './dom.ts'
import { classSpace, parseSpaceCode, type SpaceState } from './space.ts'

/** The field to join a classmate's space; a bad code is explained beside it, and the field keeps focus. */
function joinForm(state: SpaceState): HTMLFormElement {
  const inputId = uid('sb-in')
  const errId = uid('sb-err')
  const input = h('input', {
    id: inputId,
    class: 'sb-input',
    'data-testid': 'space-join-input',
    maxlength: 12,
    size: 8,
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'none',
    placeholder: 'abc123',
    'aria-describedby': errId,
  })
  const error = h('p', { id: errId, class: 'sb-err', 'data-testid': 'space-error' })
  return h(
    'form',
    {
      class: 'sb-join',
      onsubmit: (e: Event) => {
        e.preventDefault()
        const parsed = parseSpaceCode(input.value)
        if ('error' in parsed) {
          error.textContent = parsed.error
          input.setAttribute('aria-invalid', 'true')
          input.focus()
          return
        }
        error.textContent = ''
        input.removeAttribute('aria-invalid')
        input.value = ''
        state.set(parsed.code)
      },
    },
    h('label', { for: inputId, text: "Join a classmate's space" }),
    input,
    h('button', { type: 'submit', class: 'sb-btn', 'data-testid': 'space-join', text: 'Join' }),
    error,
  )
}

/**
 * The space bar of a widget, kept in sync with `state`.
 *
 * @example
 * const bar = createSpaceBar(sharedSpace())
 * root.append(bar.el) // later: bar.destroy()
 */
export function createSpaceBar(state: SpaceState): { el: HTMLElement; destroy(): void } {
  const code = h('code', { class: 'sb-code', 'data-testid': 'space-code' })
  const heading = h('span')
  const copyStatus = h('span', { class: 'sb-hint', 'aria-live': 'polite' })
  const copy = h('button', {
    type: 'button',
    class: 'sb-btn',
    'data-testid': 'space-copy',
    text: 'Copy',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(state.current())
        copyStatus.textContent = 'Copied.'
      } catch {
        copyStatus.textContent = 'Copy failed: select the code and copy it by hand.'
      }
      setTimeout(() => (copyStatus.textContent = ''), 2500)
    },
  })
  const back = h('button', {
    type: 'button',
    class: 'sb-btn',
    'data-testid': 'space-own',
    text: 'Back to my own space',
    onclick: () => state.set(state.own),
  })
  const classSlot = h('div', { class: 'sb-class' })
  const classBtn = h('button', {
    type: 'button',
    class: 'sb-btn',
    'data-testid': 'class-open',
    'aria-expanded': 'false',
    onclick: () => void import('./on-demand-class-join.ts').then((m) => m.toggleClassPanel(classSlot, classBtn)),
  })
  const render = (space: string) => {
    const own = space === state.own
    const inClass = classSpace()
    heading.textContent = own ? 'Your space: ' : space === inClass ? 'Class space: ' : "Classmate's space: "
    code.textContent = space
    back.hidden = own
    classBtn.textContent = inClass ? 'Your class' : 'Join class'
  }
  render(state.current())
  const unsubscribe = state.subscribe(render)

  const el = h(
    'div',
    { class: 'sb', role: 'group', 'aria-label': 'Sandbox space', 'data-testid': 'space-bar' },
    h('p', { class: 'sb-row' }, heading, code, ' ', copy, back, classBtn, copyStatus),
    joinForm(state),
    classSlot,
  )
  return { el, destroy: unsubscribe }
}
