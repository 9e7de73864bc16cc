/**
 * Transport race: one event stream of a sandbox instance delivered over long polling, SSE and a
 * raw WebSocket at once, with latency, continuity and wire counters; plus the WebSocket
 * handshake, Socket.IO's own transport choice and the HTTP/1.1 connection limit.
 *
 * UI only: lesson prose lives in the lesson. All text goes through textContent (see dom.ts).
 */
import type { ResolvedDirectory, SandboxConnector, SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { spaceNamespace } from '@realtime-workbook/sandbox-server/protocol'
import { createSpaceBar } from '../../sandbox/space-bar.ts'
import { sharedSpace, type SpaceState } from '../../sandbox/space.ts'
import {
  transportUrl,
  type HandshakeCapture,
  type SocketIoProbe,
  type TransportClients,
  type TransportCounters,
  type TransportName,
  type TransportStats,
} from '../../sandbox/transports.ts'
import { longPolling, sse, websocket, type Channel, type ChannelContext, type ChannelState } from './channels.ts'
import { createLimitPanel } from './limit.ts'
import { bytesPerEvent, delta, sparkline, Tally } from './metrics.ts'

export interface TransportRaceOptions {
  /** A connector (for `/sandbox.json` and `/healthz`), or a loader run on mount. */
  connector: SandboxConnector | (() => Promise<SandboxConnector>)
  clients: TransportClients
  space?: SpaceState
  connectTimeoutMs?: number
  /** Server stats polling period while running. */
  statsIntervalMs?: number
  /** Pause before long polling asks again / the WebSocket reopens. */
  retryMs?: number
}

export interface TransportRace {
  destroy(): void
}

type State = 'connecting' | 'offline' | 'ready' | 'running'
const RATES = [1, 5, 10, 20, 50]
const SIZES = [32, 256, 1024]
const TITLES: Record<TransportName, string> = { 'long-polling': 'Long polling', sse: 'SSE', websocket: 'WebSocket' }
const FACTORIES: Record<TransportName, (ctx: ChannelContext) => Channel> = { 'long-polling': longPolling, sse, websocket }
const HIGHLIGHT = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-accept', 'origin'])
const fmt = (v: number | null, unit = '') => (v == null ? '–' : `${Math.round(v)}${unit}`)
function select(testid: string, values: number[], value: number, suffix: string) {
  const el = h('select', { 'data-testid': testid }, ...values.map((v) => h('option', { value: String(v), text: `${v}${suffix}` })))
  el.value = String(value)
  return el
}

function createPanel(name: TransportName, actions: { cut(): void; send(): void; closeClean(): void; reopen(): void }) {
  const cell = (testid: string) => h('dd', { 'data-testid': testid, text: '–' })
  const f = {
    events: cell('tr-events'), missing: cell('tr-missing'), dup: cell('tr-dup'), p50: cell('tr-p50'), p95: cell('tr-p95'),
    requests: cell('tr-requests'), bpe: cell('tr-bytes-per-event'), open: cell('tr-open'), code: cell('tr-close-code'),
  }
  const ws = name === 'websocket'
  const state = h('span', { class: 'tr-state', 'data-testid': 'tr-state', text: 'closed' })
  const note = h('p', { class: 'tr-hint tr-note', 'data-testid': 'tr-note', 'aria-live': 'polite' })
  const sent = h('p', { class: 'tr-hint', 'data-testid': 'tr-send-result' })
  const chart = sparkline(`${TITLES[name]}: latency of the last 100 events`)
  const row = (label: string, dd: HTMLElement) => [h('dt', { text: label }), dd]
  const button = (testid: string, text: string, onclick: () => void) => h('button', { type: 'button', class: 'tr-btn', 'data-testid': testid, text, onclick, disabled: true })
  const buttons = [
    button('tr-send', 'Send to server', actions.send),
    button('tr-cut', 'Cut the connection', actions.cut),
    ws && button('tr-close-clean', 'Close cleanly', actions.closeClean),
    ws && button('tr-reopen', 'Reopen', actions.reopen),
  ].filter((b): b is HTMLButtonElement => !!b)
  const reopen = buttons[3]
  if (reopen) reopen.hidden = true
  const el = h('article', { class: 'tr-panel', 'data-testid': 'tr-panel', 'data-transport': name },
    h('header', { class: 'tr-row' }, h('h4', { text: TITLES[name] }), state),
    h('dl', { class: 'tr-stats' },
      ...row('Events', f.events), ...row('Missing ids', f.missing), ...row('Duplicate ids', f.dup),
      ...row('Latency p50, ms', f.p50), ...row('Latency p95, ms', f.p95),
      ...row('HTTP requests', f.requests), ...row('Wire bytes / event', f.bpe), ...row('Open connections', f.open),
      ...(ws ? row('Last close code', f.code) : [])),
    h('figure', {}, chart.el, h('figcaption', { class: 'tr-hint', text: 'latency, last 100 events' })),
    note, h('p', { class: 'tr-row' }, ...buttons), sent)
  let tally = new Tally(0)
  return {
    el, f, note, sent, buttons,
    /** The run whose channel may still report states here (also while it closes after Stop). */
    run: -1,
    state: 'closed' as ChannelState,
    get tally() { return tally },
    reset(from: number) {
      tally = new Tally(from)
      for (const k of ['requests', 'bpe', 'open', 'code'] as const) f[k].textContent = '–'
      sent.textContent = note.textContent = ''
      this.render()
    },
    setState(s: ChannelState, text?: string) {
      this.state = s
      if (reopen) reopen.hidden = s !== 'closed'
      state.textContent = s === 'closed' && ws && f.code.textContent !== '–' ? `closed (${f.code.textContent})` : s
      state.className = `tr-state tr-st-${s}`
      if (text !== undefined) note.textContent = text
    },
    render() {
      f.events.textContent = String(tally.received)
      f.missing.textContent = String(tally.missing.size)
      f.dup.textContent = String(tally.duplicates)
      f.p50.textContent = fmt(tally.p(0.5))
      f.p95.textContent = fmt(tally.p(0.95))
      chart.update(tally.latencies.slice(-100))
    },
    stats(c: TransportCounters) {
      f.requests.textContent = String(c.httpRequests)
      f.bpe.textContent = fmt(bytesPerEvent(c), ' B')
      f.open.textContent = String(c.openConnections)
    },
  }
}

export function mountTransportRace(root: HTMLElement, options: TransportRaceOptions): TransportRace {
  const { clients } = options
  const space = options.space ?? sharedSpace()
  const statsMs = options.statsIntervalMs ?? 1000
  let connector = typeof options.connector === 'function' ? null : options.connector
  let dir: ResolvedDirectory | null = null
  let up = new Set<string>()
  let run = 0
  let channels = new Map<TransportName, Channel>()
  let statsTimer: ReturnType<typeof setInterval> | undefined
  let renderTimer: ReturnType<typeof setTimeout> | undefined
  let baseline: TransportStats['transports'] | undefined
  let probe: SocketIoProbe | null = null

  // ---- frame ---------------------------------------------------------------------------------
  const spaceBar = createSpaceBar(space)
  const connecting = h('p', { class: 'tr-panel-msg', 'data-testid': 'tr-connecting', text: 'Connecting to the sandbox…' })
  const offlineText = h('p')
  const offline = h('div', { class: 'tr-panel-msg tr-offline', 'data-testid': 'tr-offline', hidden: true }, offlineText,
    h('button', { type: 'button', class: 'tr-btn tr-primary', 'data-testid': 'tr-retry', text: 'Retry', onclick: () => void start() }))

  const instance = h('select', { 'data-testid': 'tr-instance', onchange: () => void place() })
  const rate = select('tr-rate', RATES, 10, ' ev/s')
  const size = select('tr-payload', SIZES, 32, ' B')
  const text = h('input', { class: 'tr-input', 'data-testid': 'tr-text', maxlength: 280, size: 12, value: 'hello', autocomplete: 'off' })
  const startBtn = h('button', { type: 'button', class: 'tr-btn tr-primary', 'data-testid': 'tr-start', text: 'Start', onclick: () => void startRace() })
  const stopBtn = h('button', { type: 'button', class: 'tr-btn', 'data-testid': 'tr-stop', text: 'Stop', disabled: true, onclick: () => void stopRace() })
  const status = h('p', { class: 'tr-hint', 'data-testid': 'tr-status', 'aria-live': 'polite' })
  const settings = () => ({ eventsPerSecond: Number(rate.value), payloadBytes: Number(size.value) })
  const onSettings = () => {
    if (root.dataset.state !== 'running') return
    clients.http(url('/stream'), settings()).then(() => (status.textContent = `Stream now ${rate.value} events/s of ${size.value} B.`), (e: Error) => (status.textContent = e.message))
  }
  rate.addEventListener('change', onSettings)
  size.addEventListener('change', onSettings)

  const panels = new Map((['long-polling', 'sse', 'websocket'] as const).map((name) => [name, createPanel(name, {
    cut: () => void cut(name),
    send: () => void sendFrom(name),
    closeClean: () => channels.get(name)?.closeClean?.(),
    reopen: () => channels.get(name)?.reopen?.(),
  })]))

  // ---- handshake -----------------------------------------------------------------------------
  const handshakeBody = h('div', {}, h('p', { class: 'tr-hint', text: 'Start the race: the upgrade request of the WebSocket shows here.' }))
  const handshake = h('section', { class: 'tr-box', 'data-testid': 'tr-handshake' }, h('h4', { text: 'WebSocket handshake' }), handshakeBody)
  const headers = (list: [string, string][]) => h('dl', { class: 'tr-headers' }, ...list.flatMap(([k, v]) => {
    const cls = HIGHLIGHT.has(k.toLowerCase()) ? 'tr-hl' : null
    return [h('dt', { class: cls, text: k }), h('dd', { class: cls }, h('code', { text: v }))]
  }))
  function showHandshake(hs: HandshakeCapture) {
    handshakeBody.replaceChildren(
      h('p', { class: 'tr-hint', text: `The last upgrade, as the server captured it at ${new Date(hs.at).toLocaleTimeString()}.` }),
      h('p', {}, h('strong', { text: 'Request ' }), h('code', { 'data-testid': 'tr-hs-request', text: hs.request.line })), headers(hs.request.headers),
      h('p', {}, h('strong', { text: 'Response ' }), h('code', { 'data-testid': 'tr-hs-response', text: hs.response.line })), headers(hs.response.headers))
  }

  // ---- Socket.IO -----------------------------------------------------------------------------
  const sioTransport = h('strong', { 'data-testid': 'tr-sio-transport', text: '–' })
  const sioRequests = h('span', { 'data-testid': 'tr-sio-requests', text: '–' })
  const sioWhere = h('p', { class: 'tr-hint' })
  const sioLog = h('ol', { class: 'tr-log', 'data-testid': 'tr-sio-log' })
  const sio = h('section', { class: 'tr-box', 'data-testid': 'tr-sio' }, h('h4', { text: "Socket.IO's own choice" }), sioWhere,
    h('p', {}, 'Transport now: ', sioTransport, ' · HTTP requests while on polling: ', sioRequests), sioLog,
    h('button', { type: 'button', class: 'tr-btn', 'data-testid': 'tr-sio-connect', text: 'Connect a new client', onclick: () => void connectProbe() }))

  async function connectProbe() {
    probe?.close()
    probe = null
    const inst = pick().sio
    if (!inst) return
    const current = run
    const t0 = Date.now()
    const log = (line: string) => sioLog.append(h('li', {}, h('span', { class: 'tr-time', text: `+${Date.now() - t0} ms ` }), line))
    sioLog.replaceChildren()
    sioWhere.textContent = `A socket.io-client with default transports connects to ${inst.id} (${spaceNamespace(space.current(), '/chat')}).`
    try {
      const p = await options.clients.socketio(inst.base + spaceNamespace(space.current(), '/chat'), { label: 'T' })
      if (current !== run) return p.close()
      probe = p
      let shown = ''
      const show = () => {
        const t = p.transport()
        if (t !== shown) log(shown ? `upgraded to ${t} after ${p.pollingRequests()} HTTP requests on polling` : `new client on ${t} (handshake GET)`)
        shown = t
        sioTransport.textContent = t
        sioRequests.textContent = String(p.pollingRequests())
      }
      p.on('change', show)
      show()
    } catch {
      log('could not load or connect socket.io-client')
    }
  }

  // ---- limit ---------------------------------------------------------------------------------
  const limitPanel = createLimitPanel(clients)

  const main = h('div', { class: 'tr-main', hidden: true },
    h('div', { class: 'tr-controls tr-row' },
      h('label', {}, 'Instance ', instance), h('label', {}, 'Rate ', rate), h('label', {}, 'Payload ', size),
      h('label', {}, 'Message ', text), startBtn, stopBtn),
    status,
    h('div', { class: 'tr-panels' }, ...[...panels.values()].map((p) => p.el)),
    h('div', { class: 'tr-side' }, handshake, sio, limitPanel.el))

  root.classList.add('tr', 'rtwb-widget', 'not-content')
  root.dataset.testid = 'transport-race'
  root.replaceChildren(h('h3', { class: 'tr-title', text: 'Transport race' }), spaceBar.el, connecting, offline, main)

  // ---- helpers -------------------------------------------------------------------------------
  const raceInstance = (): SandboxInstance | undefined => dir?.instances[Number(instance.value) - 1]
  /** Where the race runs: fixed at Start, so Stop still reaches it after a space change. */
  let target = { base: '', space: '' }
  const url = (route: string) => transportUrl(target.base, target.space, route)
  /** The race's instance, the limit demo's (3, or 2 when the race is on 3) and Socket.IO's (the other one). */
  function pick() {
    const list = dir?.instances ?? []
    const r = Math.max(0, Number(instance.value) - 1)
    const l = list.length < 2 ? r : r < 2 ? Math.min(2, list.length - 1) : 1
    const s = [0, 1, 2].find((n) => n !== r && n !== l && n < list.length) ?? r
    return { race: list[r], limit: list[l], sio: list[s] }
  }
  function place() {
    const { limit } = pick()
    if (limit) limitPanel.setTarget(limit.base, limit.id, space.current())
    void connectProbe()
  }

  function setState(state: State) {
    root.dataset.state = state
    connecting.hidden = state !== 'connecting'
    offline.hidden = state !== 'offline'
    main.hidden = state !== 'ready' && state !== 'running'
    const running = state === 'running'
    startBtn.disabled = running
    stopBtn.disabled = !running
    instance.disabled = running
    for (const p of panels.values()) for (const b of p.buttons) b.disabled = !running
  }

  const schedule = () => {
    renderTimer ??= setTimeout(() => {
      renderTimer = undefined
      for (const p of panels.values()) p.render()
    }, 100)
  }

  async function pollStats(current: number) {
    try {
      const stats = await clients.http<TransportStats>(url('/stats'))
      if (current !== run && root.dataset.state === 'running') return
      for (const [name, p] of panels) p.stats(delta(stats.transports[name], baseline?.[name]))
    } catch {
      status.textContent = `${raceInstance()?.id ?? 'The instance'} does not answer /stats.`
    }
  }

  async function startRace() {
    const inst = raceInstance()
    if (!inst || root.dataset.state !== 'ready') return
    const current = ++run
    target = { base: inst.base, space: space.current() }
    setState('running')
    startBtn.disabled = true
    status.textContent = `Starting the stream on ${inst.id}…`
    let from: number
    try {
      baseline = (await clients.http<TransportStats>(url('/stats'))).transports
      from = (await clients.http<{ lastEventId: number }>(url('/stream'), settings())).lastEventId
    } catch (e) {
      if (current === run) {
        setState('ready')
        status.textContent = `Could not start on ${inst.id}: ${(e as Error).message}`
      }
      return
    }
    if (current !== run) return
    status.textContent = `Running on ${inst.id} from event ${from + 1}: ${rate.value} events/s of ${size.value} B.`
    for (const [name, panel] of panels) {
      panel.reset(from)
      panel.run = current
      channels.set(name, FACTORIES[name]({
        clients, ...target, after: from, retryMs: options.retryMs,
        hooks: {
          event(ev) {
            if (current !== run) return
            panel.tally.add(ev.id, Date.now() - ev.sentAt)
            schedule()
          },
          state: (s, note) => panel.run === current && panel.setState(s, note),
          opened: () => void clients.http<{ handshake: HandshakeCapture | null }>(url('/handshake'))
            .then((r) => current === run && r.handshake && showHandshake(r.handshake), () => undefined),
          closed(code) {
            if (panel.run !== current) return
            panel.f.code.textContent = String(code)
            if (!channels.has(name)) panel.setState('closed')
          },
        },
      }))
    }
    statsTimer = setInterval(() => void pollStats(current), statsMs)
  }

  function closeChannels() {
    clearInterval(statsTimer)
    for (const c of channels.values()) c.stop()
    channels = new Map()
  }

  async function stopRace() {
    if (root.dataset.state !== 'running') return
    const current = ++run
    closeChannels()
    setState('ready')
    status.textContent = 'Stopped.'
    try {
      await clients.http(url('/stream'), { ...settings(), eventsPerSecond: 0 })
    } catch (e) {
      status.textContent = `Stopping the stream failed: ${(e as Error).message}`
    }
    // Let the server see the closed connections before the last reading.
    setTimeout(() => void pollStats(current), 300)
  }

  async function cut(name: TransportName) {
    const panel = panels.get(name)
    try {
      let r = { cut: 0 }
      // A poll may be between two requests at that instant: try again a few times.
      for (let n = 0; n < 4 && !r.cut; n++) {
        if (n) await new Promise((ok) => setTimeout(ok, 40))
        r = await clients.http<{ cut: number }>(url('/cut'), { transport: name })
      }
      // SSE and WebSocket report the drop themselves; a cut poll may be retried by the browser unseen.
      if (panel?.state === 'open') {
        panel.note.textContent = `The server dropped ${r.cut} TCP connection(s) without a goodbye.${name === 'long-polling' ? ' Long polling just asks again with its cursor (the browser may even retry the GET by itself): watch Missing ids.' : ''}`
      }
    } catch (e) {
      if (panel) panel.note.textContent = `Cut failed: ${(e as Error).message}`
    }
  }

  async function sendFrom(name: TransportName) {
    const panel = panels.get(name)
    const channel = channels.get(name)
    if (!panel || !channel) return
    panel.sent.textContent = 'Sending…'
    panel.sent.textContent = await channel.send(text.value.trim() || 'hello')
  }

  function showOffline() {
    const ports = dir?.instances.map((i) => i.port) ?? [4001, 4003]
    const host = typeof location === 'undefined' ? 'localhost' : location.hostname || 'localhost'
    offlineText.replaceChildren(`The sandbox cluster isn't running (tried ${host}:${Math.min(...ports)}-${Math.max(...ports)}). Run `,
      h('code', { text: 'npm install && npm start' }), ' in the project folder, then press Retry.')
    teardown()
    setState('offline')
  }

  function teardown() {
    run++
    closeChannels()
    probe?.close()
    probe = null
    limitPanel.destroy()
  }

  async function start() {
    const wasRunning = root.dataset.state === 'running'
    if (wasRunning) void stopRace()
    teardown()
    const current = run
    setState('connecting')
    const timer = setTimeout(() => current === run && root.dataset.state === 'connecting' && showOffline(), options.connectTimeoutMs ?? 8000)
    try {
      if (!connector && typeof options.connector === 'function') connector = await options.connector()
      if (current !== run || !connector) return
      const c = connector
      dir = await c.directory()
      const list = dir.instances
      const results = await Promise.allSettled(list.map((i) => c.health(i)))
      if (current !== run) return
      up = new Set(list.filter((_, n) => results[n]?.status === 'fulfilled').map((i) => i.id))
      if (!up.size) return showOffline()
    } catch {
      if (current === run) showOffline()
      return
    } finally {
      clearTimeout(timer)
    }
    const keep = instance.value || '1'
    instance.replaceChildren(...dir.instances.map((inst, n) =>
      h('option', { value: String(n + 1), text: `${inst.id}${up.has(inst.id) ? '' : ' (down)'}` })))
    instance.value = Number(keep) <= dir.instances.length ? keep : '1'
    setState('ready')
    place()
  }

  const unsubscribe = space.subscribe(() => void start())
  void start()

  return {
    destroy() {
      if (root.dataset.state === 'running') void clients.http(url('/stream'), { ...settings(), eventsPerSecond: 0 }).catch(() => undefined)
      teardown()
      clearTimeout(renderTimer)
      unsubscribe()
      spaceBar.destroy()
    },
  }
}
