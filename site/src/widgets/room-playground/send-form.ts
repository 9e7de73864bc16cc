/**
 * The room playground's send form: from which client, which of the six emit calls, the room(s)
 * the call needs, the text; checked here first so the learner gets a plain answer, then sent.
 */
import { isErrorAck } from '../../sandbox/connector.ts'
import { h, uid } from '../../sandbox/dom.ts'
import { callRooms, ROOM_NAME_PATTERN, SEND_CALLS, type SendCall } from '@realtime-workbook/sandbox-server/protocol'
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

/**
 * @example
 * const form = createSendForm(clientList)
 * main.append(form.el)
 */
export function createSendForm(list: ClientList): SendForm {
  const from = h('select', { 'data-testid': 'rp-send-from' })
  const callName = uid('rp-call')
  const callInputs = SEND_CALLS.map((call, n) =>
    h('input', { type: 'radio', name: callName, value: call, checked: n === 0, 'data-testid': 'rp-send-call', onchange: () => renderRooms() }))
  const room = h('input', { class: 'rp-input', 'data-testid': 'rp-send-room', list: list.roomsListId, size: 10, maxlength: 16, autocomplete: 'off', spellcheck: 'false', placeholder: 'paris' })
  const oneRoom = h('label', { class: 'rp-field' }, 'Room ', room)
  const unionBoxes = h('span', { class: 'rp-union' })
  const someRooms = h('fieldset', { class: 'rp-field' }, h('legend', { text: 'Rooms (1-5, union)' }), unionBoxes)
  const text = h('input', { class: 'rp-input rp-text-input', 'data-testid': 'rp-send-text', maxlength: 280, autocomplete: 'off', value: 'hello' })
  const result = h('p', { class: 'rp-hint', 'data-testid': 'rp-send-result' })
  const selectedCall = (): SendCall => SEND_CALLS.find((c) => callInputs.some((i) => i.checked && i.value === c)) ?? 'socket.emit'
  const checkedRooms = () => [...unionBoxes.querySelectorAll('input')].filter((i) => i.checked).map((i) => i.value)

  function renderRooms() {
    const need = callRooms(selectedCall())
    oneRoom.hidden = need !== 'one'
    someRooms.hidden = need !== 'some'
    const checked = new Set(checkedRooms())
    unionBoxes.replaceChildren(...list.knownRooms().map((r) =>
      h('label', {}, h('input', { type: 'checkbox', value: r, checked: checked.has(r), 'data-testid': 'rp-send-rooms' }), ` ${r}`)))
  }
  async function send() {
    result.textContent = ''
    const sender = list.clients().find((c) => c.label === from.value)
    const call = selectedCall()
    const need = callRooms(call)
    const rooms = need === 'one' ? [room.value.trim()] : need === 'some' ? checkedRooms() : []
    const problem = problemWith(sender, call, rooms, text.value)
    if (problem || !sender) return void (result.textContent = problem)
    const ack = await sender.client.request('send', { call, rooms, text: text.value })
    result.textContent = isErrorAck(ack) ? `${ack.error.code}: ${ack.error.message}` : `Sent (trace ${ack.traceId}).`
  }

  const el = h('form', { class: 'rp-send', 'aria-label': 'Send a message', onsubmit: (e: Event) => { e.preventDefault(); void send() } },
    h('h4', { text: 'Send' }),
    h('label', { class: 'rp-field' }, 'From ', from),
    h('fieldset', { class: 'rp-calls' }, h('legend', { text: 'Call' }),
      ...callInputs.map((input) => h('label', {}, input, ' ', h('code', { text: input.value })))),
    oneRoom, someRooms,
    h('p', { class: 'rp-field' }, h('label', { class: 'rp-field rp-text-input' }, 'Text ', text),
      h('button', { type: 'submit', class: 'rp-btn rp-primary', 'data-testid': 'rp-send', text: 'Send' })),
    result)
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
