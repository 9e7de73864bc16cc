/**
 * One client card for every widget that shows virtual clients (room playground, cluster fan-out):
 * the client's connection and status, its socket id, rooms (join / leave), errors and the
 * messages it received. Classes and test ids take the widget's prefix (`rp-card`, `cf-client`...),
 * so each widget keeps its look; `compact` swaps the room field for quick `+room` buttons.
 */
import { isErrorAck, type SandboxClient, type SandboxConnector, type SandboxInstance } from '../../sandbox/connector.ts'
import { logRegion } from '../../sandbox/announcer.ts'
import { h } from '../../sandbox/dom.ts'
import { ROOM_NAME_PATTERN, type LearnerNamespace, type MessageEvent } from '@realtime-workbook/sandbox-server/protocol'
import type { SandboxSession } from '../../sandbox/session.ts'
import { focused, restoreFocus } from '../../sandbox/focus.ts'

export const QUICK_ROOMS = ['paris', 'lyon', 'marseille']
export type ClientStatus = 'connecting' | 'connected' | 'error'

export interface ClientCard {
  readonly label: string
  readonly instance: SandboxInstance
  readonly namespace: LearnerNamespace
  readonly client: SandboxClient
  readonly el: HTMLLIElement
  status: ClientStatus
  /** Rooms joined, without the socket's own id room. */
  rooms: string[]
  /** Empty until the server said hello. */
  socketId: string
  /** Closes the connection and removes the card. */
  close(): void
}

export interface ClientCardOptions {
  prefix: 'rp' | 'cf'
  connector: SandboxConnector
  space: string
  label: string
  instance: SandboxInstance
  namespace: LearnerNamespace
  /** Quick `+room` buttons only, no room field (narrow lanes). */
  compact?: boolean
  /** The `<datalist>` of known rooms for the room field. */
  roomsListId?: string
  maxReceived: number
  onRemove(card: ClientCard): void
  /** Status or rooms changed. */
  onChange(): void
  /** Where a failed connect and each message received are announced (the widget's session). */
  live?: Pick<SandboxSession, 'announce' | 'announceCount'>
}

type CardParts = ReturnType<typeof createParts>

function createParts(o: ClientCardOptions) {
  const p = o.prefix
  return {
    status: h('span', { class: `${p}-status rtwb-status` }),
    socket: h('code', { text: '…' }),
    error: h('p', { class: `${p}-err`, 'data-testid': `${p}-client-error`, hidden: true }),
    rooms: h('ul', { class: `${p}-rooms`, 'aria-label': `Rooms of ${o.label}` }),
    received: h('ol', { class: `${p}-received`, 'aria-label': `Received by ${o.label}` }),
    nothing: h('p', { class: `${p}-hint`, text: 'Nothing received yet.', hidden: o.compact }),
    input: h('input', {
      class: `${p}-input`,
      'data-testid': `${p}-room-input`,
      list: o.roomsListId,
      size: 10,
      maxlength: 16,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'paris',
    }),
  }
}

/** The card's markup; `compact` keeps it to one head line and quick `+room` buttons. */
function layout(o: ClientCardOptions, parts: CardParts, join: (room: string) => void, remove: () => void): HTMLLIElement {
  const { prefix: p, compact, label } = o
  const quick = QUICK_ROOMS.map((room) =>
    h('button', {
      type: 'button',
      class: `${p}-btn ${p}-quick`,
      'aria-label': `${label}: join ${room}`,
      text: compact ? `+${room}` : room,
      onclick: () => join(room),
    }),
  )
  return h(
    'li',
    { class: `${p}-card`, 'data-testid': `${p}-client`, 'data-label': label, 'data-instance': o.instance.id },
    h(
      'div',
      { class: `${p}-card-head` },
      h('strong', { class: `${p}-label`, text: label }),
      h('span', { class: `${p}-hint`, text: compact ? `on ${o.instance.id} ·` : `${o.instance.id} · ${o.namespace}` }),
      compact && parts.socket,
      parts.status,
      h('button', {
        type: 'button',
        class: compact ? `${p}-x` : `${p}-btn ${p}-remove`,
        'data-testid': `${p}-remove`,
        'aria-label': `Remove client ${label}`,
        text: compact ? '×' : 'Remove',
        onclick: remove,
      }),
    ),
    !compact && h('p', { class: `${p}-hint` }, 'socket ', parts.socket),
    parts.error,
    compact ? h('div', { class: `${p}-row` }, parts.rooms, ...quick) : parts.rooms,
    !compact &&
      h(
        'form',
        {
          class: `${p}-join`,
          onsubmit: (e: Event) => {
            e.preventDefault()
            join(parts.input.value.trim())
          },
        },
        h('label', {}, 'Join room ', parts.input),
        h('button', { type: 'submit', class: `${p}-btn`, 'data-testid': `${p}-join`, text: 'Join' }),
        ...quick,
      ),
    !compact && h('p', { class: `${p}-sub`, text: 'Received' }),
    parts.nothing,
    logRegion(`Received by ${label}`, parts.received),
  )
}

function renderRooms(o: ClientCardOptions, parts: CardParts, rooms: string[], leave: (room: string) => void): void {
  const p = o.prefix
  const chips = rooms.map((room) =>
    h(
      'li',
      { class: `${p}-chip`, 'data-room': room },
      room,
      h('button', { type: 'button', class: `${p}-x`, 'aria-label': `${o.label}: leave ${room}`, text: '×', onclick: () => leave(room) }),
    ),
  )
  parts.rooms.replaceChildren(...(chips.length || o.compact ? chips : [h('li', { class: `${p}-hint`, text: 'no rooms' })]))
}

function addReceived(o: ClientCardOptions, parts: CardParts, m: MessageEvent): void {
  parts.nothing.hidden = true
  parts.received.prepend(
    h(
      'li',
      { 'data-testid': `${o.prefix}-received-item`, 'data-trace': m.traceId },
      h('code', { text: m.call }),
      ` from ${m.from}: `,
      h('span', { text: m.text }),
    ),
  )
  while (parts.received.children.length > o.maxReceived) parts.received.lastElementChild?.remove()
}

/**
 * Connects one client and returns its card (append `card.el` where the widget lists clients).
 *
 * @example
 * const card = createClientCard({ prefix: 'rp', connector, space: 'k7q2mx', label: 'A', instance, namespace: '/chat',
 *   maxReceived: 20, onRemove: (c) => c.close(), onChange: render })
 * list.append(card.el)
 */
export function createClientCard(o: ClientCardOptions): ClientCard {
  const client = o.connector.connectClient({ instance: o.instance, namespace: o.namespace, label: o.label, space: o.space })
  const parts = createParts(o)
  const showError = (text: string) => {
    parts.error.textContent = text
    parts.error.hidden = !text
  }
  const setStatus = (status: ClientStatus, text: string = status) => {
    card.status = status
    card.el.dataset.status = status
    parts.status.textContent = text
    parts.status.className = `${o.prefix}-status ${o.prefix}-s-${status} rtwb-status rtwb-s-${status}`
  }
  const setRooms = (rooms: string[]) => {
    card.rooms = rooms
    renderRooms(o, parts, rooms, (room) => void request('room:leave', room))
  }
  async function request(event: 'room:join' | 'room:leave', room: string): Promise<void> {
    if (!ROOM_NAME_PATTERN.test(room)) {
      showError('Room names are 1-16 characters: a-z, 0-9 and "-" (not first), e.g. paris or team-1.')
      return parts.input.setAttribute('aria-invalid', 'true')
    }
    parts.input.removeAttribute('aria-invalid')
    const before = focused()
    const ack = await client.request(event, { room })
    if (isErrorAck(ack)) return showError(`${ack.error.code}: ${ack.error.message}`)
    showError('')
    if (event === 'room:join') parts.input.value = ''
    setRooms(ack.rooms.filter((r) => r !== card.socketId))
    o.onChange()
    // The chip's leave button is gone: the next chip's, else the room field or a quick join button.
    restoreFocus(before, ...parts.rooms.querySelectorAll('button'), parts.input, card.el.querySelector<HTMLElement>(`.${o.prefix}-quick`))
  }
  const card: ClientCard = {
    label: o.label,
    instance: o.instance,
    namespace: o.namespace,
    client,
    status: 'connecting',
    rooms: [],
    socketId: '',
    el: layout(
      o,
      parts,
      (room) => void request('room:join', room),
      () => o.onRemove(card),
    ),
    close() {
      client.close()
      card.el.remove()
    },
  }
  setStatus('connecting')
  setRooms([])
  listen(card, o, { parts, showError, setStatus, setRooms })
  return card
}

function listen(
  card: ClientCard,
  o: ClientCardOptions,
  ui: { parts: CardParts; showError(t: string): void; setStatus(s: ClientStatus, t?: string): void; setRooms(r: string[]): void },
): void {
  const { client } = card
  client.on('hello', (hello) => {
    card.socketId = hello.socketId
    ui.parts.socket.textContent = hello.socketId.slice(0, 6)
    ui.parts.socket.title = hello.socketId
    ui.setRooms([])
    ui.showError('')
    ui.setStatus('connected')
    o.onChange()
  })
  client.on('connect_error', (failure) => {
    ui.setStatus('error', `error: ${failure.code}`)
    card.el.dataset.error = failure.code
    ui.showError(`${failure.code}: ${failure.message}`)
    o.live?.announce(`Client ${o.label} could not connect: ${failure.code}.`)
    o.onChange()
  })
  client.on('disconnect', ({ reason }) => {
    if (reason === 'io client disconnect') return
    ui.setRooms([])
    ui.setStatus('connecting', 'reconnecting…')
    o.onChange()
  })
  client.on('sandbox:error', (err) => ui.showError(`${err.code}: ${err.message}`))
  client.on('message', (m) => {
    addReceived(o, ui.parts, m)
    // One tally for every card of the widget: a broadcast to five clients is one announcement.
    o.live?.announceCount((n) => `${n > 1 ? `${n} messages received, last: ` : ''}${o.label} received from ${m.from}: ${m.text}`)
  })
}
