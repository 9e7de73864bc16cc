/**
 * The race itself: the controls (rate, payload, message, Start, Stop), the three transports'
 * channels fed from the same stream position, their panels, the server stats of this run, and
 * the per-transport actions (cut, send, close cleanly, reopen). Its own run counter drops the
 * channel reports of a stopped race.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { transportUrl, type HandshakeCapture, type TransportClients, type TransportName, type TransportStats } from '../../sandbox/transports.ts'
import { longPolling, sse, websocket, type Channel, type ChannelContext } from './channels.ts'
import { delta } from './metrics.ts'
import { createPanel, type Panel } from './panel.ts'

const RATES = [1, 5, 10, 20, 50]
const SIZES = [32, 256, 1024]
const FACTORIES: Record<TransportName, (ctx: ChannelContext) => Channel> = { 'long-polling': longPolling, sse, websocket }
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e))

function select(testid: string, values: number[], value: number, suffix: string) {
  const el = h('select', { 'data-testid': testid }, ...values.map((v) => h('option', { value: String(v), text: `${v}${suffix}` })))
  el.value = String(value)
  return el
}

export interface RaceContext {
  clients: TransportClients
  /** Gets `data-state="running"` while the race runs, `"ready"` after. */
  root: HTMLElement
  /** The instance picker: disabled while running. */
  instanceSelect: HTMLSelectElement
  instance(): SandboxInstance | undefined
  space(): string
  statsMs: number
  retryMs?: number
  onHandshake(hs: HandshakeCapture): void
}

export interface Race {
  controls: HTMLElement[]
  status: HTMLElement
  panels: HTMLElement
  running(): boolean
  /** Ready, not running: buttons as they should be. */
  setReady(): void
  /** Stops a running race (rate 0 on the server) and closes every channel. */
  stop(): Promise<void>
}

/** A transport's "cut" button: the server drops its TCP connections without a goodbye. */
async function cut(clients: TransportClients, url: string, name: TransportName, panel: Panel | undefined): Promise<void> {
  try {
    let r = { cut: 0 }
    // A poll may be between two requests at that instant: try again a few times.
    for (let n = 0; n < 4 && !r.cut; n++) {
      if (n) await new Promise((ok) => setTimeout(ok, 40))
      r = await clients.http<{ cut: number }>(url, { transport: name })
    }
    // SSE and WebSocket report the drop themselves; a cut poll may be retried by the browser unseen.
    if (panel?.state === 'open') {
      panel.note.textContent = `The server dropped ${r.cut} TCP connection(s) without a goodbye.${name === 'long-polling' ? ' Long polling just asks again with its cursor (the browser may even retry the GET by itself): watch Missing ids.' : ''}`
    }
  } catch (e) {
    if (panel) panel.note.textContent = `Cut failed: ${errorText(e)}`
  }
}

/**
 * @example
 * const race = createRace({ clients, root, instanceSelect, instance: () => dir.instances[0], space: () => 'k7q2mx',
 *   statsMs: 1000, onHandshake: (hs) => handshake.show(hs) })
 */
export function createRace(ctx: RaceContext): Race {
  const { clients } = ctx
  let run = 0
  let channels = new Map<TransportName, Channel>()
  let statsTimer: ReturnType<typeof setInterval> | undefined
  let renderTimer: ReturnType<typeof setTimeout> | undefined
  let baseline: TransportStats['transports'] | undefined
  /** Where the race runs: fixed at Start, so Stop still reaches it after a space change. */
  let target = { base: '', space: '' }
  const url = (route: string) => transportUrl(target.base, target.space, route)
  const rate = select('tr-rate', RATES, 10, ' ev/s')
  const size = select('tr-payload', SIZES, 32, ' B')
  const text = h('input', { class: 'tr-input', 'data-testid': 'tr-text', maxlength: 280, size: 12, value: 'hello', autocomplete: 'off' })
  const startBtn = h('button', { type: 'button', class: 'tr-btn tr-primary', 'data-testid': 'tr-start', text: 'Start', onclick: () => void start() })
  const stopBtn = h('button', { type: 'button', class: 'tr-btn', 'data-testid': 'tr-stop', text: 'Stop', disabled: true, onclick: () => void stop() })
  const status = h('p', { class: 'tr-hint', 'data-testid': 'tr-status', 'aria-live': 'polite' })
  const settings = () => ({ eventsPerSecond: Number(rate.value), payloadBytes: Number(size.value) })
  const running = () => ctx.root.dataset.state === 'running'
  const onSettings = () => {
    if (!running()) return
    clients.http(url('/stream'), settings()).then(() => (status.textContent = `Stream now ${rate.value} events/s of ${size.value} B.`), (e: unknown) => (status.textContent = errorText(e)))
  }
  rate.addEventListener('change', onSettings)
  size.addEventListener('change', onSettings)
  const panels = new Map((['long-polling', 'sse', 'websocket'] as const).map((name) => [name, createPanel(name, {
    cut: () => void cut(clients, url('/cut'), name, panels.get(name)),
    send: () => void sendFrom(name),
    closeClean: () => channels.get(name)?.closeClean?.(),
    reopen: () => channels.get(name)?.reopen?.(),
  })]))

  function setState(state: 'ready' | 'running') {
    ctx.root.dataset.state = state
    const on = state === 'running'
    startBtn.disabled = on
    stopBtn.disabled = !on
    ctx.instanceSelect.disabled = on
    for (const p of panels.values()) for (const b of p.buttons) b.disabled = !on
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
      if (current !== run && running()) return
      for (const [name, p] of panels) p.stats(delta(stats.transports[name], baseline?.[name]))
    } catch {
      status.textContent = `${ctx.instance()?.id ?? 'The instance'} does not answer /stats.`
    }
  }
  async function sendFrom(name: TransportName) {
    const panel = panels.get(name)
    const channel = channels.get(name)
    if (!panel || !channel) return
    panel.sent.textContent = 'Sending…'
    panel.sent.textContent = await channel.send(text.value.trim() || 'hello')
  }
  function openChannels(current: number, from: number) {
    for (const [name, panel] of panels) {
      panel.reset(from)
      panel.run = current
      channels.set(name, FACTORIES[name]({
        clients, ...target, after: from, retryMs: ctx.retryMs,
        hooks: {
          event(ev) {
            if (current !== run) return
            panel.tally.add(ev.id, Date.now() - ev.sentAt)
            schedule()
          },
          state: (s, note) => panel.run === current && panel.setState(s, note),
          opened: () => void clients.http<{ handshake: HandshakeCapture | null }>(url('/handshake'))
            .then((r) => current === run && r.handshake && ctx.onHandshake(r.handshake), () => undefined),
          closed(code) {
            if (panel.run !== current) return
            panel.f.code.textContent = String(code)
            if (!channels.has(name)) panel.setState('closed')
          },
        },
      }))
    }
  }
  async function start() {
    const inst = ctx.instance()
    if (!inst || ctx.root.dataset.state !== 'ready') return
    const current = ++run
    target = { base: inst.base, space: ctx.space() }
    setState('running')
    status.textContent = `Starting the stream on ${inst.id}…`
    let from: number
    try {
      baseline = (await clients.http<TransportStats>(url('/stats'))).transports
      from = (await clients.http<{ lastEventId: number }>(url('/stream'), settings())).lastEventId
    } catch (e) {
      if (current === run) {
        setState('ready')
        status.textContent = `Could not start on ${inst.id}: ${errorText(e)}`
      }
      return
    }
    if (current !== run) return
    status.textContent = `Running on ${inst.id} from event ${from + 1}: ${rate.value} events/s of ${size.value} B.`
    openChannels(current, from)
    statsTimer = setInterval(() => void pollStats(current), ctx.statsMs)
  }
  function closeChannels() {
    clearInterval(statsTimer)
    clearTimeout(renderTimer)
    renderTimer = undefined
    for (const c of channels.values()) c.stop()
    channels = new Map()
  }
  async function stop() {
    const current = ++run
    const wasRunning = running()
    closeChannels()
    if (!wasRunning) return
    setState('ready')
    status.textContent = 'Stopped.'
    try {
      await clients.http(url('/stream'), { ...settings(), eventsPerSecond: 0 })
    } catch (e) {
      status.textContent = `Stopping the stream failed: ${errorText(e)}`
    }
    // Let the server see the closed connections before the last reading.
    setTimeout(() => void pollStats(current), 300)
  }

  return {
    controls: [h('label', {}, 'Rate ', rate), h('label', {}, 'Payload ', size), h('label', {}, 'Message ', text), startBtn, stopBtn],
    status,
    panels: h('div', { class: 'tr-panels' }, ...[...panels.values()].map((p) => p.el)),
    running,
    setReady: () => setState('ready'),
    stop,
  }
}
