// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createFakeConnector, type FakeConnector } from '../../sandbox/fake-connector.ts'
import { createSpaceState } from '../../sandbox/space.ts'
import { mountRoomPlayground, type RoomPlayground } from './index.ts'
import { callLabel } from './send-form.ts'

const $ = <T extends Element = HTMLElement>(root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as T
const $$ = <T extends Element = HTMLElement>(root: ParentNode, id: string) => [...root.querySelectorAll(`[data-testid="${id}"]`)] as T[]

let widget: RoomPlayground | undefined
afterEach(() => {
  widget?.destroy()
  document.body.replaceChildren()
})

async function setup(fake: FakeConnector = createFakeConnector(), extra: { connectTimeoutMs?: number } = {}) {
  const root = document.createElement('section')
  document.body.append(root)
  const space = createSpaceState('aaaaaa')
  widget = mountRoomPlayground(root, { connector: fake, space, healthIntervalMs: 0, observerWaitMs: 200, ...extra })
  await vi.waitFor(() => expect(root.dataset.state).not.toBe('connecting'))
  return { root, fake, space }
}

async function addClient(root: HTMLElement, instance: string, namespace = '/chat') {
  $<HTMLSelectElement>(root, 'rp-new-instance').value = instance
  $<HTMLSelectElement>(root, 'rp-new-namespace').value = namespace
  $(root, 'rp-add-client').click()
}
const card = (root: HTMLElement, label: string) => root.querySelector(`[data-testid="rp-client"][data-label="${label}"]`) as HTMLElement

async function join(root: HTMLElement, label: string, room: string) {
  $<HTMLInputElement>(card(root, label), 'rp-room-input').value = room
  $(card(root, label), 'rp-join').click()
  await vi.waitFor(() => expect(card(root, label).querySelector(`[data-room="${room}"]`)).not.toBeNull())
}

async function send(root: HTMLElement, from: string, call: string, text: string, room = '') {
  $<HTMLSelectElement>(root, 'rp-send-from').value = from
  const radio = $$<HTMLInputElement>(root, 'rp-send-call').find((r) => r.value === call)
  radio!.checked = true
  radio!.dispatchEvent(new Event('change'))
  $<HTMLInputElement>(root, 'rp-send-room').value = room
  $<HTMLInputElement>(root, 'rp-send-text').value = text
  $(root, 'rp-send').click()
  await vi.waitFor(() => expect($(root, 'rp-send-result').textContent).not.toBe(''))
}

async function threeClients() {
  const ctx = await setup()
  const { root } = ctx
  await addClient(root, '1')
  await addClient(root, '2')
  await addClient(root, '3')
  await vi.waitFor(() =>
    expect($$(root, 'rp-client').map((c) => `${c.dataset.label}:${c.dataset.status}`)).toEqual([
      'A:connected',
      'B:connected',
      'C:connected',
    ]),
  )
  return ctx
}

describe('room playground', () => {
  it('becomes ready with instance chips and the space bar', async () => {
    const { root } = await setup()
    expect(root.dataset.state).toBe('ready')
    expect(root.dataset.testid).toBe('room-playground')
    expect($$(root, 'rp-instance').map((c) => c.dataset.up)).toEqual(['true', 'true', 'true'])
    expect($(root, 'space-code').textContent).toBe('aaaaaa')
    expect($(root, 'rp-redis-banner').hidden).toBe(true)
  })

  it('delivers socket.to(room).emit only to the other room member, and logs the call and deliveries', async () => {
    const { root } = await threeClients()
    await join(root, 'A', 'paris')
    await join(root, 'B', 'paris')
    await send(root, 'A', 'socket.to(room).emit', 'bonjour', 'paris')
    await vi.waitFor(() => expect($$(card(root, 'B'), 'rp-received-item')).toHaveLength(1))
    expect($(card(root, 'B'), 'rp-received-item').textContent).toContain('bonjour')
    expect($(card(root, 'B'), 'rp-received-item').textContent).toContain('from A')
    expect($$(card(root, 'A'), 'rp-received-item')).toHaveLength(0)
    expect($$(card(root, 'C'), 'rp-received-item')).toHaveLength(0)

    const log = $(root, 'rp-log')
    const call = log.querySelector('[data-kind="call"]') as HTMLElement
    expect(call.textContent).toContain('i1 ran socket.to("paris").emit("message", msg)')
    // i2 delivered to B; i1 and i3 are filled in as "(nobody)" once the deliveries settle.
    await vi.waitFor(() => expect($$(call, 'rp-log-item').map((d) => d.textContent)).toEqual(['i1 → (nobody)', 'i2 → B', 'i3 → (nobody)']))
    expect(log.querySelectorAll('[data-kind="join"]')).toHaveLength(2)
    expect(log.querySelectorAll('[data-kind="connect"]')).toHaveLength(3)
  })

  it('pause buffers events with a counter; resume flushes them', async () => {
    const { root } = await threeClients()
    const before = $$(root, 'rp-log-item').length
    $(root, 'rp-log-pause').click()
    expect($(root, 'rp-log-pause').getAttribute('aria-pressed')).toBe('true')
    await join(root, 'A', 'lyon')
    await join(root, 'B', 'lyon')
    await vi.waitFor(() => expect($(root, 'rp-log-buffered').textContent).toContain('2 new events'))
    expect($$(root, 'rp-log-item')).toHaveLength(before)
    $(root, 'rp-log-pause').click()
    expect($$(root, 'rp-log-item')).toHaveLength(before + 2)
    expect($(root, 'rp-log-buffered').textContent).toBe('')
    $(root, 'rp-log-clear').click()
    expect($$(root, 'rp-log-item')).toHaveLength(0)
  })

  it('filters by kind and by client', async () => {
    const { root } = await threeClients()
    await join(root, 'A', 'paris')
    await join(root, 'B', 'lyon')
    const shown = (kind: string) => $$(root, 'rp-log-item').filter((i) => i.dataset.kind === kind && !i.hidden)
    expect(shown('connect')).toHaveLength(3)
    const connects = $$<HTMLInputElement>(root, 'rp-log-kind').find((k) => k.value === 'connection')!
    connects.checked = false
    connects.dispatchEvent(new Event('change'))
    expect(shown('connect')).toHaveLength(0)
    expect(shown('join')).toHaveLength(2)

    const client = $<HTMLSelectElement>(root, 'rp-log-client')
    client.value = 'B'
    client.dispatchEvent(new Event('change'))
    expect(shown('join').map((j) => j.textContent)).toEqual([expect.stringContaining('B joined lyon')])
  })

  it('keeps namespaces apart and shows the Redis banner when fan-out is local-only', async () => {
    const { root } = await setup(createFakeConnector({ fanout: 'local-only' }))
    expect($(root, 'rp-redis-banner').hidden).toBe(false)
    expect($(root, 'rp-redis-banner').textContent).toContain('Redis is not connected')
    await addClient(root, '1')
    await addClient(root, '2')
    await addClient(root, '1', '/admin')
    await vi.waitFor(() => expect($$(root, 'rp-client').filter((c) => c.dataset.status === 'connected')).toHaveLength(3))
    await send(root, 'A', 'io.emit', 'all')
    await vi.waitFor(() => expect($$(card(root, 'A'), 'rp-received-item')).toHaveLength(1))
    expect($$(card(root, 'B'), 'rp-received-item')).toHaveLength(0) // other instance, no Redis
    expect($$(card(root, 'C'), 'rp-received-item')).toHaveLength(0) // other namespace
  })

  it('shows connect_error codes on the card', async () => {
    const { root, fake } = await setup()
    fake.failConnectWith = 'SPACE_FULL'
    await addClient(root, '1')
    await vi.waitFor(() => expect(card(root, 'A').dataset.status).toBe('error'))
    expect($(card(root, 'A'), 'rp-client-error').textContent).toContain('SPACE_FULL')
    expect(card(root, 'A').dataset.error).toBe('SPACE_FULL')
  })

  it('validates rooms before sending and shows error acks', async () => {
    const { root } = await threeClients()
    $<HTMLInputElement>(card(root, 'A'), 'rp-room-input').value = 'Not OK'
    $(card(root, 'A'), 'rp-join').click()
    expect($(card(root, 'A'), 'rp-client-error').textContent).toContain('1-16 characters')
    await send(root, 'A', 'socket.to(room).emit', 'x', '')
    expect($(root, 'rp-send-result').textContent).toContain('needs one room')
  })

  it('removes a client and reuses its label', async () => {
    const { root, fake } = await threeClients()
    $(card(root, 'B'), 'rp-remove').click()
    expect($$(root, 'rp-client').map((c) => c.dataset.label)).toEqual(['A', 'C'])
    expect(fake.sockets().map((s) => s.label)).toEqual(['A', 'C'])
    await addClient(root, '2')
    expect($$(root, 'rp-client').map((c) => c.dataset.label)).toEqual(['A', 'B', 'C'])
  })

  it('reconnects every client in the new space when the space changes', async () => {
    const { root, fake, space } = await threeClients()
    space.set('bbbbbb')
    await vi.waitFor(() => expect($$(root, 'rp-client').filter((c) => c.dataset.status === 'connected')).toHaveLength(3))
    expect(fake.sockets().map((s) => s.space)).toEqual(['bbbbbb', 'bbbbbb', 'bbbbbb'])
    expect(fake.observerCount()).toBe(3)
  })

  it('shows the offline state with Retry when nothing answers, then recovers', async () => {
    const fake = createFakeConnector({ offline: true })
    const { root } = await setup(fake)
    expect(root.dataset.state).toBe('offline')
    expect($(root, 'rp-offline').hidden).toBe(false)
    expect($(root, 'rp-offline').textContent).toContain("The sandbox cluster isn't running (tried localhost:4001-4003)")
    expect($(root, 'rp-offline').textContent).toContain('npm install && npm start')
    fake.offline = false
    $(root, 'rp-retry').click()
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
  })

  it('goes offline when every health check fails, and after the connect timeout', async () => {
    const fake = createFakeConnector()
    for (const id of ['i1', 'i2', 'i3']) fake.down.add(id)
    const { root } = await setup(fake)
    expect(root.dataset.state).toBe('offline')

    const hanging = createFakeConnector()
    hanging.directory = () => new Promise(() => {})
    const slow = await setup(hanging, { connectTimeoutMs: 50 })
    expect(slow.root.dataset.state).toBe('offline')
  })

  it('renders network text as text, never as HTML', async () => {
    const { root } = await threeClients()
    const evil = '<img src=x onerror="window.pwned=1">'
    await send(root, 'A', 'socket.broadcast.emit', evil)
    await vi.waitFor(() => expect($$(card(root, 'B'), 'rp-received-item')).toHaveLength(1))
    expect($(card(root, 'B'), 'rp-received-item').textContent).toContain(evil)
    expect(root.querySelector('img')).toBeNull()
    expect($(root, 'rp-log').textContent).toContain(evil)
  })

  it('labels every form control', async () => {
    const { root } = await threeClients()
    for (const control of root.querySelectorAll('input, select')) {
      const labelled =
        control.closest('label') || (control.id && root.querySelector(`label[for="${control.id}"]`)) || control.getAttribute('aria-label')
      expect(labelled, control.outerHTML).toBeTruthy()
    }
  })

  it('labels the io calls with the line they run for the sender\u2019s namespace, and the trace shows that line', async () => {
    expect(callLabel('io.emit', '/chat')).toBe('io.of("/chat").emit(…)')
    expect(callLabel('io.to(rooms).emit', '/admin')).toBe('io.of("/admin").to(["paris", "lyon"]).emit(…)')
    expect(callLabel('socket.to(room).emit', '/chat')).toBe('socket.to("paris").emit(…)')
    const { root } = await setup()
    await addClient(root, '1')
    await addClient(root, '2', '/admin')
    await vi.waitFor(() => expect($$(root, 'rp-client').filter((c) => c.dataset.status === 'connected')).toHaveLength(2))
    const label = (call: string) =>
      $$(root, 'rp-send-call')
        .find((r) => r.getAttribute('value') === call)
        ?.closest('label')
        ?.textContent?.trim()
    await send(root, 'B', 'io.emit', 'to admin')
    expect(label('io.emit')).toBe('io.of("/admin").emit(…)')
    expect($(root, 'rp-send-line').textContent).toBe('io.of("/admin").emit("message", msg)')
    await vi.waitFor(() =>
      expect($(root, 'rp-log').querySelector('[data-kind="call"] code')?.textContent).toBe('io.of("/admin").emit("message", msg)'),
    )
    await send(root, 'A', 'io.emit', 'to chat')
    expect(label('io.emit')).toBe('io.of("/chat").emit(…)')
    expect($(root, 'rp-send-line').textContent).toBe('io.of("/chat").emit("message", msg)')
  })

  it('keeps keyboard focus after leaving a room: the next room\u2019s leave button, then the room field', async () => {
    const { root } = await threeClients()
    await join(root, 'A', 'paris')
    await join(root, 'A', 'lyon')
    const leave = (room: string) => card(root, 'A').querySelector<HTMLButtonElement>(`[data-room="${room}"] button`)!
    leave('lyon').focus()
    leave('lyon').click()
    await vi.waitFor(() => expect(card(root, 'A').querySelector('[data-room="lyon"]')).toBeNull())
    expect(document.activeElement).toBe(leave('paris'))
    leave('paris').click()
    await vi.waitFor(() => expect(card(root, 'A').querySelector('[data-room="paris"]')).toBeNull())
    expect(document.activeElement).toBe($(card(root, 'A'), 'rp-room-input'))
  })

  it('keeps keyboard focus and ticks on the union checkboxes while clients change (experiment 3)', async () => {
    const { root } = await threeClients()
    const radio = $$<HTMLInputElement>(root, 'rp-send-call').find((r) => r.value === 'io.to(rooms).emit')!
    radio.checked = true
    radio.dispatchEvent(new Event('change'))
    const box = (room: string) => $$<HTMLInputElement>(root, 'rp-send-rooms').find((b) => b.value === room)
    const lyon = box('lyon')!
    lyon.focus()
    lyon.click()
    // B and C join rooms: every join re-renders the send form (a new room "nice" adds a box).
    await join(root, 'B', 'lyon')
    await join(root, 'C', 'nice')
    expect(box('lyon')).toBe(lyon)
    expect(document.activeElement).toBe(lyon)
    expect(lyon.checked).toBe(true)
    expect($$<HTMLInputElement>(root, 'rp-send-rooms').map((b) => b.value)).toEqual(['lyon', 'marseille', 'nice', 'paris'])
    // The focused box's room is gone (C, its only member, removed): focus moves to the first box, not to <body>.
    box('nice')!.focus()
    $(card(root, 'C'), 'rp-remove').click()
    expect(box('nice')).toBeUndefined()
    expect(document.activeElement).toBe(lyon)
    expect($(root, 'rp-send-line').textContent).toBe('io.of("/chat").to(["lyon"]).emit("message", msg)')
  })

  it('keeps keyboard focus on Retry while offline and inside the widget once ready', async () => {
    const fake = createFakeConnector({ offline: true })
    const { root } = await setup(fake)
    $(root, 'rp-retry').focus()
    $(root, 'rp-retry').click()
    await vi.waitFor(() => expect(root.dataset.state).toBe('offline'))
    expect(document.activeElement).toBe($(root, 'rp-retry'))
    fake.offline = false
    $(root, 'rp-retry').click()
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    expect(document.activeElement).not.toBe(document.body)
    expect(root.contains(document.activeElement)).toBe(true)
  })

  it('gives two learners in one space distinct client names', async () => {
    const fake = createFakeConnector()
    const first = await setup(fake)
    const otherRoot = document.createElement('section')
    document.body.append(otherRoot)
    const other = mountRoomPlayground(otherRoot, {
      connector: fake,
      space: createSpaceState('aaaaaa'),
      healthIntervalMs: 0,
      observerWaitMs: 200,
    })
    try {
      await vi.waitFor(() => expect(otherRoot.dataset.state).toBe('ready'))
      await addClient(first.root, '1')
      await vi.waitFor(() => expect(card(first.root, 'A')?.dataset.status).toBe('connected'))
      await addClient(otherRoot, '2')
      await addClient(otherRoot, '3')
      await vi.waitFor(() =>
        expect($$(otherRoot, 'rp-client').map((c) => `${c.dataset.label}:${c.dataset.status}`)).toEqual(['B:connected', 'C:connected']),
      )
      $(card(first.root, 'A'), 'rp-remove').click() // A is free again for everyone
      await vi.waitFor(() =>
        expect(
          fake
            .sockets()
            .map((s) => s.label)
            .sort(),
        ).toEqual(['B', 'C']),
      )
      await addClient(otherRoot, '1')
      expect($$(otherRoot, 'rp-client').map((c) => c.dataset.label)).toEqual(['A', 'B', 'C'])
    } finally {
      other.destroy()
    }
  })

  it('tags a guest’s client names in a classmate’s space, even for the host’s sockets opened before the page', async () => {
    const fake = createFakeConnector()
    const host = fake.connectClient({ instance: (await fake.directory()).instances[0]!, namespace: '/chat', label: 'A', space: 'aaaaaa' })
    const root = document.createElement('section')
    document.body.append(root)
    const guestSpace = createSpaceState('g7k2mx')
    guestSpace.set('aaaaaa')
    widget = mountRoomPlayground(root, { connector: fake, space: guestSpace, healthIntervalMs: 0, observerWaitMs: 200 })
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    await addClient(root, '1')
    await vi.waitFor(() => expect(card(root, 'A-g7k')?.dataset.status).toBe('connected'))
    expect(
      fake
        .sockets()
        .map((s) => s.label)
        .sort(),
    ).toEqual(['A', 'A-g7k'])
    host.close()
  })
})
