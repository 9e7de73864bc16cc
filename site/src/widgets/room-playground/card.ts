/** One virtual client: its connection, rooms, received messages, and its card. */
import type { SandboxClient, SandboxConnector, SandboxInstance } from '../../sandbox/connector.ts'
import { isErrorAck } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { ROOM_NAME_PATTERN, type MessageEvent, type PlaygroundNamespace } from '@realtime-workbook/sandbox-server/protocol'

export const QUICK_ROOMS = ['paris', 'lyon', 'marseille']
const MAX_RECEIVED = 20

export type ClientStatus = 'connecting' | 'connected' | 'error'

export interface VirtualClient {
  label: string
  instance: SandboxInstance
  namespace: PlaygroundNamespace
  status: ClientStatus
  rooms: string[]
  client: SandboxClient
  el: HTMLLIElement
  close(): void
}

export interface CardContext {
  connector: SandboxConnector
  space: string
  roomsListId: string
  onRemove(vc: VirtualClient): void
  onChange(): void
  announce(text: string): void
}

export function createClient(
  ctx: CardContext,
  label: string,
  instance: SandboxInstance,
  namespace: PlaygroundNamespace,
): VirtualClient {
  const client = ctx.connector.connectClient({ instance, namespace, label, space: ctx.space })
  const statusEl = h('span', { class: 'rp-status', 'data-testid': 'rp-client-status' })
  const socketEl = h('code', { 'data-testid': 'rp-socket-id', text: '…' })
  const errorEl = h('p', { class: 'rp-err', 'data-testid': 'rp-client-error', hidden: true })
  const roomsEl = h('ul', { class: 'rp-rooms', 'aria-label': `Rooms of ${label}` })
  const received = h('ol', { class: 'rp-received', 'data-testid': 'rp-received', 'aria-label': `Received by ${label}` })
  const nothing = h('p', { class: 'rp-hint', text: 'Nothing received yet.' })
  const input = h('input', {
    class: 'rp-input',
    'data-testid': 'rp-room-input',
    list: ctx.roomsListId,
    size: 10,
    maxlength: 16,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'paris',
  })

  const showError = (text: string) => {
    errorEl.textContent = text
    errorEl.hidden = !text
  }
  const setStatus = (status: ClientStatus, text: string = status) => {
    vc.status = status
    vc.el.dataset.status = status
    statusEl.textContent = text
    statusEl.className = `rp-status rp-s-${status}`
  }
  const renderRooms = () => {
    roomsEl.replaceChildren(
      ...(vc.rooms.length
        ? vc.rooms.map((room) =>
            h(
              'li',
              { class: 'rp-chip', 'data-testid': 'rp-room', 'data-room': room },
              room,
              h('button', {
                type: 'button',
                class: 'rp-x',
                'data-testid': 'rp-leave',
                'aria-label': `${label}: leave ${room}`,
                text: '×',
                onclick: () => roomRequest('room:leave', room),
              }),
            ),
          )
        : [h('li', { class: 'rp-hint', text: 'no rooms' })]),
    )
  }

  async function roomRequest(event: 'room:join' | 'room:leave', room: string) {
    if (!ROOM_NAME_PATTERN.test(room)) {
      showError('Room names are 1-16 characters: a-z, 0-9 and "-" (not first), e.g. paris or team-1.')
      input.setAttribute('aria-invalid', 'true')
      return
    }
    input.removeAttribute('aria-invalid')
    const ack = await client.request(event, { room })
    if (isErrorAck(ack)) {
      showError(`${ack.error.code}: ${ack.error.message}`)
      return
    }
    showError('')
    if (event === 'room:join') input.value = ''
    vc.rooms = ack.rooms.filter((r) => r !== socketId)
    renderRooms()
    ctx.onChange()
  }

  let socketId = ''
  const vc: VirtualClient = {
    label,
    instance,
    namespace,
    status: 'connecting',
    rooms: [],
    client,
    el: h(
      'li',
      { class: 'rp-card', 'data-testid': 'rp-client', 'data-label': label },
      h(
        'div',
        { class: 'rp-card-head' },
        h('strong', { class: 'rp-label', text: label }),
        h('span', { class: 'rp-hint', text: `${instance.id} · ${namespace}` }),
        statusEl,
        h('button', {
          type: 'button',
          class: 'rp-btn rp-remove',
          'data-testid': 'rp-remove',
          'aria-label': `Remove client ${label}`,
          text: 'Remove',
          onclick: () => ctx.onRemove(vc),
        }),
      ),
      h('p', { class: 'rp-hint' }, 'socket ', socketEl),
      errorEl,
      roomsEl,
      h(
        'form',
        {
          class: 'rp-join',
          onsubmit: (e: Event) => {
            e.preventDefault()
            void roomRequest('room:join', input.value.trim())
          },
        },
        h('label', {}, 'Join room ', input),
        h('button', { type: 'submit', class: 'rp-btn', 'data-testid': 'rp-join', text: 'Join' }),
        ...QUICK_ROOMS.map((room) =>
          h('button', {
            type: 'button',
            class: 'rp-btn rp-quick',
            'data-testid': 'rp-quick-join',
            'aria-label': `${label}: join ${room}`,
            text: room,
            onclick: () => roomRequest('room:join', room),
          }),
        ),
      ),
      h('p', { class: 'rp-sub', text: 'Received' }),
      nothing,
      received,
    ),
    close() {
      client.close()
      vc.el.remove()
    },
  }
  setStatus('connecting')
  renderRooms()

  client.on('hello', (hello) => {
    socketId = hello.socketId
    socketEl.textContent = socketId.slice(0, 6)
    socketEl.title = socketId
    vc.rooms = []
    renderRooms()
    showError('')
    setStatus('connected')
    ctx.onChange()
  })
  client.on('connect_error', (failure) => {
    setStatus('error', `error: ${failure.code}`)
    vc.el.dataset.error = failure.code
    showError(`${failure.code}: ${failure.message}`)
    ctx.announce(`Client ${label} could not connect: ${failure.code}.`)
    ctx.onChange()
  })
  client.on('disconnect', ({ reason }) => {
    if (reason === 'io client disconnect') return
    vc.rooms = []
    renderRooms()
    setStatus('connecting', 'reconnecting…')
    ctx.onChange()
  })
  client.on('sandbox:error', (err) => showError(`${err.code}: ${err.message}`))
  client.on('message', (m: MessageEvent) => {
    nothing.hidden = true
    received.prepend(
      h(
        'li',
        { 'data-testid': 'rp-received-item', 'data-trace': m.traceId },
        h('code', { text: m.call }),
        ` from ${m.from}: `,
        h('span', { class: 'rp-text', text: m.text }),
      ),
    )
    while (received.children.length > MAX_RECEIVED) received.lastElementChild?.remove()
  })
  return vc
}
