/**
 * The room playground's send form: from which client, which of the six emit calls, the room(s)
 * the call needs, the text; checked here first so the learner gets a plain answer, then sent.
 */
import { isErrorAck } from '../../sandbox/connector.ts'
import { h, uid } from '../../sandbox/dom.ts'
import { focused, restoreFocus } from '../../sandbox/focus.ts'
import {
  callRooms,
  ROOM_NAME_PATTERN,
  SEND_CALLS,
  serverLine,
  type LearnerNamespace,
  type SendCall,
} from '@realtime-workbook/sandbox-server/protocol'
import type { ClientCard } from '../shared/client-card.ts'
import type { ClientList } from './clients.ts'

export interface SendForm {
  el: HTMLFormElement
  /** Refreshes the "From" options and the room checkboxes after clients or rooms changed. */
  render(): void
}

/** What is wrong with this send, or '' when it can go. */
function problemWith(sender: ClientCard | undefined, call: SendCall, rooms: string[], text: string): string {
  const need = callRooms(call)
  if (!sender) return 'Add a client first: messages are sent from a client.'
  if (sender.status !== 'connected') return `Client ${sender.label} is not connected.`
  if (need === 'one' && !ROOM_NAME_PATTERN.test(rooms[0] ?? '')) return `${call} needs one room, e.g. paris.`
  if (need === 'some' && (rooms.length < 1 || rooms.length > 5)) return `${call} needs 1 to 5 rooms.`
  return text ? '' : 'Type a text to send.'
}

/** Rooms shown in a call's label before the learner picked any. */
const SAMPLE_ROOMS: Record<'one' | 'some', string[]> = { one: ['paris'], some: ['paris', 'lyon'] }

/**
 * The radio label of a call for the sender's namespace: the server line without its arguments,
 * so the "io.emit" choice reads `io.of("/chat").emit(…)`, exactly what the trace will show.
 *
 * @example
 * callLabel('io.emit', '/chat') // => 'io.of("/chat").emit(…)'
 */
export function callLabel(call: SendCall, namespace: LearnerNamespace): string {
  if (call === 'socket.emit') return 'socket.emit(…)'
  const need = callRooms(call)
  const rooms = need === 'none' ? [] : SAMPLE_ROOMS[need]
  return serverLine(call, namespace, rooms).replace('("message", msg)', '(…)')
}

/** The room field of "one room" calls and the room checkboxes (union) of "some rooms" calls; `onChange` on every edit. */
function createRoomFields(roomsListId: string, onChange: () => void) {
  const room = h('input', {
    class: 'rp-input',
    'data-testid': 'rp-send-room',
    list: roomsListId,
    size: 10,
    maxlength: 16,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'paris',
    oninput: onChange,
  })
  const oneRoom = h('label', { class: 'rp-field' }, 'Room ', room)
  const unionBoxes = h('span', { class: 'rp-union', onchange: onChange })
  const someRooms = h('fieldset', { class: 'rp-field' }, h('legend', { text: 'Rooms (1-5, union)' }), unionBoxes)
  return { room, oneRoom, unionBoxes, someRooms }
}

/**
 * Brings the union checkboxes to `rooms` (sorted) in place: a room still known keeps its very
 * checkbox, so a client change (a join, a reconnect) while a learner tabs through them keeps
 * keyboard focus and the ticks; only new rooms are inserted and gone rooms removed. When the
 * focused box's room is gone, focus moves to the first box (not to `<body>`).
 *
 * @example
 * syncRoomBoxes(unionBoxes, ['lyon', 'paris'])
 */
function syncRoomBoxes(boxes: HTMLElement, rooms: string[]): void {
  const before = focused()
  // Only a box's own focus is ours to move: a card's leave button is restored by the card.
  const onBox = before !== null && boxes.contains(before)
  const labels = new Map([...boxes.children].map((label) => [label.querySelector('input')?.value ?? '', label]))
  for (const [room, label] of labels) if (!rooms.includes(room)) label.remove()
  rooms.forEach((r, n) => {
    const label = labels.get(r) ?? h('label', {}, h('input', { type: 'checkbox', value: r, 'data-testid': 'rp-send-rooms' }), ` ${r}`)
    // Both lists are sorted, so a kept box is already in place: only new ones are inserted.
    if (boxes.children[n] !== label) boxes.insertBefore(label, boxes.children[n] ?? null)
  })
  if (onBox) restoreFocus(before, boxes.querySelector('input'))
}

/** The fields of the send form, as `layoutForm` places them. */
interface SendFields {
  from: HTMLSelectElement
  callInputs: HTMLInputElement[]
  callCodes: HTMLElement[]
  oneRoom: HTMLLabelElement
  someRooms: HTMLFieldSetElement
  preview: HTMLElement
  text: HTMLInputElement
  result: HTMLParagraphElement
}

/** The form: From, the calls (radios), the room field(s), the line the server will run, text with Send, the result. */
function layoutForm(f: SendFields, send: () => Promise<void>): HTMLFormElement {
  return h(
    'form',
    {
      class: 'rp-send',
      'aria-label': 'Send a message',
      onsubmit: (e: Event) => {
        e.preventDefault()
        void send()
      },
    },
    h('h4', { text: 'Send' }),
    h('label', { class: 'rp-field' }, 'From ', f.from),
    h(
      'fieldset',
      { class: 'rp-calls' },
      h('legend', { text: 'Call (named for the sender\u2019s namespace)' }),
      ...f.callInputs.map((input, n) => h('label', {}, input, ' ', f.callCodes[n] ?? '')),
    ),
    f.oneRoom,
    f.someRooms,
    h('p', { class: 'rp-hint', 'data-testid': 'rp-send-runs' }, 'The server will run ', f.preview),
    h(
      'p',
      { class: 'rp-field' },
      h('label', { class: 'rp-field rp-text-input' }, 'Text ', f.text),
      h('button', { type: 'submit', class: 'rp-btn rp-primary', 'data-testid': 'rp-send', text: 'Send' }),
    ),
    f.result,
  )
}

/**
 * @example
 * const form = createSendForm(clientList)
 * main.append(form.el)
 */
export function createSendForm(list: ClientList): SendForm {
  const from = h('select', { 'data-testid': 'rp-send-from', onchange: () => renderLines() })
  const callName = uid('rp-call')
  const callInputs = SEND_CALLS.map((call, n) =>
    h('input', {
      type: 'radio',
      name: callName,
      value: call,
      checked: n === 0,
      'data-testid': 'rp-send-call',
      onchange: () => renderRooms(),
    }),
  )
  const callCodes = callInputs.map((input) => h('code', { 'data-testid': 'rp-send-call-label', text: input.value }))
  const preview = h('code', { 'data-testid': 'rp-send-line' })
  const { room, oneRoom, unionBoxes, someRooms } = createRoomFields(list.roomsListId, () => renderLines())
  const text = h('input', {
    class: 'rp-input rp-text-input',
    'data-testid': 'rp-send-text',
    maxlength: 280,
    autocomplete: 'off',
    value: 'hello',
  })
  const result = h('p', { class: 'rp-hint', 'data-testid': 'rp-send-result' })
  const selectedCall = (): SendCall => SEND_CALLS.find((c) => callInputs.some((i) => i.checked && i.value === c)) ?? 'socket.emit'
  const checkedRooms = () => [...unionBoxes.querySelectorAll('input')].filter((i) => i.checked).map((i) => i.value)

  const sender = () => list.clients().find((c) => c.label === from.value)
  const roomsOf = (call: SendCall) => {
    const need = callRooms(call)
    return need === 'one' ? [room.value.trim()] : need === 'some' ? checkedRooms() : []
  }

  /** Labels the calls for the sender's namespace and previews the exact line the server will run. */
  function renderLines() {
    const namespace = sender()?.namespace ?? '/chat'
    callCodes.forEach((code, n) => (code.textContent = callLabel(SEND_CALLS[n] ?? 'socket.emit', namespace)))
    const call = selectedCall()
    const need = callRooms(call)
    const rooms = roomsOf(call)
    preview.textContent = serverLine(call, namespace, need !== 'none' && !rooms.filter(Boolean).length ? SAMPLE_ROOMS[need] : rooms)
  }
  function renderRooms() {
    const need = callRooms(selectedCall())
    oneRoom.hidden = need !== 'one'
    someRooms.hidden = need !== 'some'
    syncRoomBoxes(unionBoxes, list.knownRooms())
    renderLines()
  }
  async function send() {
    result.textContent = ''
    const card = sender()
    const call = selectedCall()
    const rooms = roomsOf(call)
    const problem = problemWith(card, call, rooms, text.value)
    if (problem || !card) return void (result.textContent = problem)
    const ack = await card.client.request('send', { call, rooms, text: text.value })
    result.textContent = isErrorAck(ack) ? `${ack.error.code}: ${ack.error.message}` : `Sent (trace ${ack.traceId}).`
  }

  const el = layoutForm({ from, callInputs, callCodes, oneRoom, someRooms, preview, text, result }, send)
  return {
    el,
    render() {
      const clients = list.clients()
      const keep = from.value
      from.replaceChildren(...clients.map((c) => h('option', { value: c.label, text: `${c.label} (${c.instance.id} ${c.namespace})` })))
      if (clients.some((c) => c.label === keep)) from.value = keep
      renderRooms()
    },
  }
}
