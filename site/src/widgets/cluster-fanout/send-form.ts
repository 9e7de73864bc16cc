/**
 * The cluster fan-out's send form: from a client of either lane (`A@/with-redis`), one of five
 * calls, the room or target socket the call needs, the text. The server validates; its error
 * acks are shown as they are.
 */
import { isErrorAck } from '../../sandbox/connector.ts'
import { h, uid } from '../../sandbox/dom.ts'
import type { ClientCard } from '../shared/client-card.ts'
import { fillClients, type Lane } from './lane.ts'

const CALLS = ['io.emit', 'socket.broadcast.emit', 'socket.to(room).emit', 'io.to(room).emit', 'io.to(socketId).emit'] as const
type Call = (typeof CALLS)[number]

export interface SendForm {
  el: HTMLFormElement
  /** Refreshes the "From" and target pickers after clients changed. */
  render(): void
}

/** The fields of the send form, as `layoutForm` places them. */
interface SendFields {
  from: HTMLSelectElement
  callInputs: HTMLInputElement[]
  roomField: HTMLLabelElement
  targetField: HTMLLabelElement
  text: HTMLInputElement
  result: HTMLParagraphElement
}

/** The form: From, the calls (radios), room, target socket, text with Send, then the result line. */
function layoutForm({ from, callInputs, roomField, targetField, text, result }: SendFields, send: () => Promise<void>): HTMLFormElement {
  return h(
    'form',
    {
      class: 'cf-box',
      onsubmit: (e: Event) => {
        e.preventDefault()
        void send()
      },
    },
    h('h4', { text: 'Send' }),
    h('label', { class: 'cf-row' }, 'From ', from),
    h(
      'fieldset',
      { class: 'cf-calls' },
      h('legend', { text: 'Call (runs on the sender\u2019s instance)' }),
      ...callInputs.map((i) => h('label', {}, i, ' ', h('code', { text: i.value }))),
    ),
    roomField,
    targetField,
    h(
      'p',
      { class: 'cf-row' },
      h('label', { class: 'cf-row cf-grow' }, 'Text ', text),
      h('button', { type: 'submit', class: 'cf-btn cf-primary', 'data-testid': 'cf-send', text: 'Send' }),
    ),
    result,
  )
}

/**
 * `announce`: the session's announcer, for a refused send (a delivered one is announced by the
 * receiving clients' cards).
 *
 * @example
 * const send = createSendForm(lanes, session.announce)
 * main.append(send.el)
 */
export function createSendForm(lanes: Lane[], announce: (text: string) => void): SendForm {
  const from = h('select', { 'data-testid': 'cf-send-from', onchange: () => renderTargets() })
  const callName = uid('cf-call')
  const callInputs = CALLS.map((call, n) =>
    h('input', {
      type: 'radio',
      name: callName,
      value: call,
      checked: n === 0,
      'data-testid': 'cf-send-call',
      onchange: () => renderTargets(),
    }),
  )
  const roomInput = h('input', { 'data-testid': 'cf-send-room', size: 8, maxlength: 16, autocomplete: 'off', value: 'paris' })
  const roomField = h('label', { class: 'cf-row' }, 'Room ', roomInput)
  const target = h('select', { 'data-testid': 'cf-send-target' })
  const targetField = h('label', { class: 'cf-row' }, 'To socket of ', target)
  const text = h('input', { class: 'cf-grow', 'data-testid': 'cf-send-text', maxlength: 280, autocomplete: 'off', value: 'hello' })
  const result = h('p', { class: 'cf-hint', 'data-testid': 'cf-send-result' })
  const selectedCall = (): Call => CALLS.find((c) => callInputs.some((i) => i.checked && i.value === c)) ?? 'io.emit'
  const laneClients = (sender: ClientCard | undefined) => lanes.find((l) => l.ns === sender?.namespace)?.clients() ?? []
  const findSender = (): ClientCard | undefined => {
    const [label, ns] = from.value.split('@')
    return lanes
      .find((l) => l.ns === ns)
      ?.clients()
      .find((c) => c.label === label)
  }

  function renderTargets() {
    const call = selectedCall()
    roomField.hidden = !call.includes('(room)')
    targetField.hidden = call !== 'io.to(socketId).emit'
    const sender = findSender()
    fillClients(
      target,
      laneClients(sender).filter((c) => c !== sender),
    )
  }
  async function send() {
    const sender = findSender()
    const call = selectedCall()
    if (!sender) return announce((result.textContent = 'Add a client first.'))
    const to = laneClients(sender).find((c) => c.label === target.value)
    const ack =
      call === 'io.to(socketId).emit'
        ? await sender.client.request('cluster:direct', { to: to?.socketId ?? '', text: text.value })
        : await sender.client.request('send', { call, rooms: call.includes('(room)') ? [roomInput.value.trim()] : [], text: text.value })
    if (!isErrorAck(ack)) return void (result.textContent = `Sent (trace ${ack.traceId}).`)
    announce((result.textContent = `${ack.error.code}: ${ack.error.message}`))
  }

  const el = layoutForm({ from, callInputs, roomField, targetField, text, result }, send)
  return {
    el,
    render() {
      fillClients(
        from,
        lanes.flatMap((l) => l.clients()),
        true,
      )
      renderTargets()
    },
  }
}
