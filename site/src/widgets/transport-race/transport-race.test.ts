// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createFakeConnector } from '../../sandbox/fake-connector.ts'
import { createSpaceState } from '../../sandbox/space.ts'
import { createFakeClients, streamEvent, type FakeClients } from './fake-clients.ts'
import { mountTransportRace, type TransportRace } from './index.ts'

const $ = <T extends Element = HTMLElement>(root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as T
const panel = (root: HTMLElement, transport: string) =>
  root.querySelector(`[data-testid="tr-panel"][data-transport="${transport}"]`) as HTMLElement
const counters = (o: Record<string, number> = {}) => ({
  httpRequests: 0,
  bytesIn: 0,
  bytesOut: 0,
  openConnections: 0,
  eventsDelivered: 0,
  messagesReceived: 0,
  ...o,
})

let widget: TransportRace | undefined
afterEach(() => {
  widget?.destroy()
  document.body.replaceChildren()
})

function routes(clients: FakeClients) {
  const stats = { 'long-polling': counters(), sse: counters(), websocket: counters() }
  clients.routes = {
    '/stats': () => ({ instance: 'i1', space: 'aaaaaa', eventsPerSecond: 10, lastEventId: 40, transports: structuredClone(stats) }),
    '/stream': () => ({ ok: true, eventsPerSecond: 10, lastEventId: 40 }),
    '/cut': (body) => ({ ok: true, transport: (body as { transport: string }).transport, cut: 1 }),
    '/handshake': () => ({
      handshake: {
        at: Date.now(),
        request: {
          line: 'GET /t/aaaaaa/ws?after=40 HTTP/1.1',
          headers: [
            ['Host', 'localhost:4001'],
            ['Upgrade', 'websocket'],
            ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
          ],
        },
        response: {
          line: 'HTTP/1.1 101 Switching Protocols',
          headers: [
            ['Upgrade', 'websocket'],
            ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
          ],
        },
      },
    }),
  }
  return stats
}

async function setup(offline = false) {
  const root = document.createElement('section')
  document.body.append(root)
  const clients = createFakeClients()
  const stats = routes(clients)
  const connector = createFakeConnector({ offline })
  widget = mountTransportRace(root, {
    connector,
    clients,
    space: createSpaceState('aaaaaa'),
    statsIntervalMs: 20,
    retryMs: 10,
    connectTimeoutMs: 500,
  })
  await vi.waitFor(() => expect(root.dataset.state).not.toBe('connecting'))
  return { root, clients, stats, connector }
}

async function startRace() {
  const ctx = await setup()
  $(ctx.root, 'tr-start').click()
  await vi.waitFor(() => expect(ctx.clients.sockets).toHaveLength(1))
  return ctx
}

describe('transport race', () => {
  it('shows the offline state with a retry instead of a blank box', async () => {
    const { root, connector } = await setup(true)
    expect(root.dataset.state).toBe('offline')
    expect(root.dataset.testid).toBe('transport-race')
    expect($(root, 'tr-offline').textContent).toContain('npm start')
    connector.offline = false
    $(root, 'tr-retry').click()
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
  })

  it('starts all three transports from the current stream position', async () => {
    const { root, clients } = await startRace()
    expect(root.dataset.state).toBe('running')
    expect(clients.requests.find((r) => r.url.endsWith('/stream'))?.body).toEqual({ eventsPerSecond: 10, payloadBytes: 32 })
    await vi.waitFor(() => expect(clients.polls).toHaveLength(1))
    expect(clients.polls[0]!.url).toContain('/poll?after=40')
    expect(clients.sources[0]!.url).toContain('/sse?lastEventId=40')
    expect(clients.sockets[0]!.url).toBe('ws://localhost:4001/t/aaaaaa/ws?after=40')
    expect($<HTMLButtonElement>(root, 'tr-start').disabled).toBe(true)
    // The limit demo goes to instance 3, Socket.IO to instance 2.
    expect($(root, 'tr-limit').textContent).toContain('i3 (localhost:4003)')
    expect($(root, 'tr-sio').textContent).toContain('i2')
  })

  it('renders events, continuity, latency percentiles and the server stats of this run', async () => {
    const { root, clients, stats } = await startRace()
    const sse = clients.sources[0]!
    sse.open()
    sse.emit('message', streamEvent(41, 10))
    sse.emit('message', streamEvent(42, 20))
    sse.emit('message', streamEvent(42, 30)) // duplicate
    sse.emit('message', streamEvent(45, 40)) // 43 and 44 missing
    Object.assign(stats.sse, { httpRequests: 1, bytesIn: 400, bytesOut: 1600, eventsDelivered: 4, openConnections: 1 })
    const p = panel(root, 'sse')
    await vi.waitFor(() => expect($(p, 'tr-events').textContent).toBe('3'))
    expect($(p, 'tr-missing').textContent).toBe('2')
    expect($(p, 'tr-dup').textContent).toBe('1')
    expect(Number($(p, 'tr-p50').textContent)).toBeGreaterThanOrEqual(20)
    expect(Number($(p, 'tr-p95').textContent)).toBeGreaterThanOrEqual(40)
    await vi.waitFor(() => expect($(p, 'tr-bytes-per-event').textContent).toBe('500 B'))
    expect($(p, 'tr-requests').textContent).toBe('1')
    expect($(p, 'tr-open').textContent).toBe('1')
    expect($(p, 'tr-state').textContent).toBe('open')
    expect(p.querySelector('polyline')?.getAttribute('points')?.split(' ')).toHaveLength(4)
  })

  it('shows the handshake after the WebSocket opens, with the upgrade headers highlighted', async () => {
    const { root, clients } = await startRace()
    clients.sockets[0]!.open()
    await vi.waitFor(() => expect($(root, 'tr-hs-response').textContent).toBe('HTTP/1.1 101 Switching Protocols'))
    const hs = $(root, 'tr-handshake')
    expect($(hs, 'tr-hs-request').textContent).toBe('GET /t/aaaaaa/ws?after=40 HTTP/1.1')
    expect([...hs.querySelectorAll('dt.tr-hl')].map((d) => d.textContent)).toEqual([
      'Upgrade',
      'Sec-WebSocket-Key',
      'Upgrade',
      'Sec-WebSocket-Accept',
    ])
    expect(hs.innerHTML).not.toContain('<script')
  })

  it('cuts the WebSocket: shows 1006, reopens from our code, then closes cleanly with 1000', async () => {
    const { root, clients } = await startRace()
    const p = panel(root, 'websocket')
    clients.sockets[0]!.open()
    clients.sockets[0]!.emit(streamEvent(41))
    $(p, 'tr-cut').click()
    await vi.waitFor(() => expect(clients.requests.some((r) => r.url.endsWith('/cut'))).toBe(true))
    clients.sockets[0]!.end(1006) // the server terminated it
    expect($(p, 'tr-close-code').textContent).toBe('1006')
    expect($(p, 'tr-note').textContent).toMatch(/reconnecting \(our code\)/)
    await vi.waitFor(() => expect(clients.sockets).toHaveLength(2))
    expect(clients.sockets[1]!.url).toContain('?after=41')
    clients.sockets[1]!.open()
    expect($(p, 'tr-state').textContent).toBe('open')
    $(p, 'tr-close-clean').click()
    expect($(p, 'tr-close-code').textContent).toBe('1000')
    expect($(p, 'tr-note').textContent).toMatch(/closed cleanly with 1000/)
  })

  it('shows the Socket.IO transport and its upgrade', async () => {
    const { root, clients } = await setup()
    await vi.waitFor(() => expect($(root, 'tr-sio-transport').textContent).toBe('polling'))
    clients.probe!.transport = 'websocket'
    clients.probe!.requests = 4
    clients.probe!.fire()
    expect($(root, 'tr-sio-transport').textContent).toBe('websocket')
    expect($(root, 'tr-sio-log').textContent).toContain('upgraded to websocket after 4 HTTP requests on polling')
  })

  it('stops: rate 0, every transport closed, ready again', async () => {
    const { root, clients } = await startRace()
    await vi.waitFor(() => expect(clients.polls).toHaveLength(1))
    $(root, 'tr-stop').click()
    expect(root.dataset.state).toBe('ready')
    await vi.waitFor(() =>
      expect(clients.requests.filter((r) => r.url.endsWith('/stream')).at(-1)?.body).toEqual({ eventsPerSecond: 0, payloadBytes: 32 }),
    )
    expect(clients.polls[0]!.signal.aborted).toBe(true)
    expect(clients.sources[0]!.readyState).toBe(2)
    expect(clients.sockets[0]!.readyState).toBe(3)
    expect([...root.querySelectorAll('[data-testid="tr-state"]')].map((s) => s.textContent)).toEqual(['closed', 'closed', 'closed (1000)'])
  })

  it('keeps keyboard focus on the controls: Start hands it to Stop, Stop back to Start, Retry to the widget', async () => {
    const { root, clients } = await setup()
    $(root, 'tr-start').focus()
    $(root, 'tr-start').click()
    await vi.waitFor(() => expect(clients.sockets).toHaveLength(1))
    expect(document.activeElement).toBe($(root, 'tr-stop'))
    $(root, 'tr-stop').click()
    expect(document.activeElement).toBe($(root, 'tr-start'))

    const offline = await setup(true)
    $(offline.root, 'tr-retry').focus()
    $(offline.root, 'tr-retry').click() // still offline: Retry keeps focus
    await vi.waitFor(() => expect(offline.root.dataset.state).toBe('offline'))
    expect(document.activeElement).toBe($(offline.root, 'tr-retry'))
    offline.connector.offline = false
    $(offline.root, 'tr-retry').click()
    await vi.waitFor(() => expect(offline.root.dataset.state).toBe('ready'))
    expect(document.activeElement).not.toBe(document.body)
    expect(offline.root.contains(document.activeElement)).toBe(true)
  })

  it('changes the rate while running without reopening the transports', async () => {
    const { root, clients } = await startRace()
    const rate = $<HTMLSelectElement>(root, 'tr-rate')
    expect([...rate.options].map((o) => o.value)).toEqual(['1', '5', '10', '20', '50'])
    rate.value = '50'
    rate.dispatchEvent(new Event('change'))
    await vi.waitFor(() =>
      expect(clients.requests.filter((r) => r.url.endsWith('/stream')).at(-1)?.body).toEqual({ eventsPerSecond: 50, payloadBytes: 32 }),
    )
    expect(clients.sockets).toHaveLength(1)
    expect(clients.sources).toHaveLength(1)
  })

  it('puts the limit demo on instance 2 and Socket.IO on instance 1 when the race uses instance 3', async () => {
    const { root } = await setup()
    const instance = $<HTMLSelectElement>(root, 'tr-instance')
    instance.value = '3'
    instance.dispatchEvent(new Event('change'))
    expect($(root, 'tr-limit').textContent).toContain('i2 (localhost:4002)')
    await vi.waitFor(() => expect($(root, 'tr-sio').textContent).toContain('connects to i1'))
  })

  it('stops the race and starts over when the learner joins another space', async () => {
    const root = document.createElement('section')
    document.body.append(root)
    const clients = createFakeClients()
    routes(clients)
    const space = createSpaceState('aaaaaa')
    widget = mountTransportRace(root, { connector: createFakeConnector(), clients, space, statsIntervalMs: 20, retryMs: 10 })
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    $(root, 'tr-start').click()
    await vi.waitFor(() => expect(clients.sockets).toHaveLength(1))
    space.set('bbbbbb')
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    expect(clients.sockets[0]!.readyState).toBe(3)
    expect(
      clients.requests.some((r) => r.url.includes('/t/aaaaaa/stream') && (r.body as { eventsPerSecond: number }).eventsPerSecond === 0),
    ).toBe(true)
    expect($(root, 'tr-sio').textContent).toContain('/s/bbbbbb/chat')
  })
})
