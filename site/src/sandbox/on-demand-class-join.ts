/**
 * The space bar's class panel, loaded on the first click of "Join class": a form (class code and
 * display name) while in no class, "in class X as Y" and "Leave class" while in one. Refusals are
 * shown in words from the server's code. The join itself is the class client's (asked with a
 * window event, see class-membership.ts), so a page keeps one `/class` socket whatever the
 * number of widgets.
 */
import { MEMBER_NAME_RULE, parseClassCode, tidyMemberName } from '@realtime-workbook/sandbox-server/protocol/classes'
import { CLASS_EVENTS, CLASS_JOIN_EVENT, readMembership, statusOf } from './class-membership.ts'
import { focused, restoreFocus } from './focus.ts'
import { h, uid } from './dom.ts'

/** What a refusal code means to a learner. */
export const JOIN_REFUSALS: Record<string, string> = {
  CLASS_NOT_FOUND: 'No open class has this code: check it with your instructor.',
  CLASS_LOCKED: 'The class is locked: the instructor lets no new names in right now.',
  NAME_TAKEN: 'Someone in the class already uses this name: add an initial, or pick another.',
  CLASS_FULL: 'The class is full.',
  INVALID_NAME: `That name will not do: ${MEMBER_NAME_RULE}.`,
  INVALID_HANDSHAKE: 'This page sent a malformed join request: reload it and try again.',
  REDIS_UNAVAILABLE: 'Classes are unavailable: the sandbox runs without Redis.',
  TOO_MANY_CONNECTIONS: 'This computer holds too many connections to the sandbox: close a few tabs.',
  CONNECT_FAILED: 'Could not reach the sandbox: is npm start running?',
}

/**
 * The words for a refusal code.
 *
 * @example
 * refusalWords('NAME_TAKEN') // => 'Someone in the class already uses this name: ...'
 */
export const refusalWords = (code: string): string => JOIN_REFUSALS[code] ?? `The sandbox refused to join (${code.slice(0, 40)}).`

function field(label: string, attrs: Record<string, string | number>): [HTMLLabelElement, HTMLInputElement] {
  const input = h('input', { id: uid('cj'), class: 'sb-input', autocomplete: 'off', spellcheck: 'false', ...attrs })
  return [h('label', { for: input.id, text: label }), input]
}

/** The join form (the panel re-renders itself once the class client says the member is in). */
function joinForm(): HTMLFormElement {
  const [codeLabel, code] = field('Class code', {
    maxlength: 8,
    size: 8,
    placeholder: 'K7Q2MX',
    autocapitalize: 'characters',
    'data-testid': 'class-code-input',
  })
  const [nameLabel, name] = field('Your name', { maxlength: 24, size: 14, autocomplete: 'nickname', 'data-testid': 'class-name-input' })
  const error = h('p', { class: 'sb-err', role: 'alert', 'data-testid': 'class-error' })
  const submit = h('button', { type: 'submit', class: 'sb-btn', 'data-testid': 'class-join', text: 'Join class' })
  // aria-disabled, not disabled, while joining: a disabled button would drop keyboard focus to <body>.
  const busy = (on: boolean): void => (on ? submit.setAttribute('aria-disabled', 'true') : submit.removeAttribute('aria-disabled'))
  const fail = (text: string, input: HTMLInputElement | null): void => {
    error.textContent = text
    busy(false)
    input?.focus()
  }
  const form = h('form', {
    class: 'sb-join',
    onsubmit: (e: Event) => {
      e.preventDefault()
      if (submit.getAttribute('aria-disabled') === 'true') return
      const parsed = parseClassCode(code.value)
      if (!parsed)
        return fail(
          `"${code.value.trim().slice(0, 12)}" is not a class code: 6 capital letters and digits, as your instructor shows it.`,
          code,
        )
      if (!tidyMemberName(name.value)) return fail(refusalWords('INVALID_NAME'), name)
      error.textContent = 'Joining…'
      busy(true)
      dispatchEvent(new CustomEvent(CLASS_JOIN_EVENT, { detail: { code: parsed, name: name.value } }))
    },
  })
  const onStatus = (e: Event): void => {
    const s = statusOf(e)
    if (!form.isConnected) return removeEventListener(CLASS_EVENTS.status, onStatus)
    if (s?.state === 'refused') fail(refusalWords(s.code), s.code === 'NAME_TAKEN' || s.code === 'INVALID_NAME' ? name : code)
  }
  addEventListener(CLASS_EVENTS.status, onStatus)
  form.append(codeLabel, code, nameLabel, name, submit, error)
  return form
}

/** "In class X as Y" and Leave. */
function memberView(code: string, name: string): HTMLElement {
  return h(
    'p',
    { class: 'sb-row', 'data-testid': 'class-member' },
    'In class ',
    h('code', { class: 'sb-code', text: code }),
    ` as ${name}. `,
    h('button', {
      type: 'button',
      class: 'sb-btn',
      'data-testid': 'class-leave',
      text: 'Leave class',
      onclick: () => dispatchEvent(new CustomEvent(CLASS_EVENTS.leave)),
    }),
  )
}

/**
 * Opens (or closes) the class panel in `slot`, kept in sync with the class client's status.
 *
 * @example
 * toggleClassPanel(slot, button)
 */
export function toggleClassPanel(slot: HTMLElement, button: HTMLButtonElement): void {
  const open = button.getAttribute('aria-expanded') !== 'true'
  button.setAttribute('aria-expanded', String(open))
  if (!open) return void slot.replaceChildren()
  const render = (): void => {
    const member = readMembership()
    const before = focused()
    slot.replaceChildren(member ? memberView(member.code, member.name) : joinForm())
    // Joined (or left) from the keyboard: focus moves to the new view's first control, not to <body>.
    restoreFocus(before, slot.querySelector<HTMLElement>('input, button'), button)
  }
  const onStatus = (e: Event): void => {
    if (button.getAttribute('aria-expanded') !== 'true') return removeEventListener(CLASS_EVENTS.status, onStatus)
    const s = statusOf(e)
    if (s?.state === 'member' || s?.state === 'none') render()
  }
  addEventListener(CLASS_EVENTS.status, onStatus)
  render()
  slot.querySelector('input')?.focus()
}
