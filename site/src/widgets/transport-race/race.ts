/**
 * The race itself: the controls (rate, payload, message, Start, Stop), the three transports'
 * channels fed from the same stream position, their panels, the server stats of this run, and
 * the per-transport actions (cut, send, close cleanly, reopen). Its own run counter drops the
 * channel reports of a stopped race.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import {
  transportUrl,
  type HandshakeCapture,
  type TransportClients,
  type TransportName,
  type TransportStats,
} from '../../sandbox/transports.ts'
import { longPolling, sse, websocket, type Channel, type ChannelContext } from './channels.ts'
import { delta } from './metrics.ts'
import { createPanel, type Panel } from './panel.ts'
import { focused, restoreFocus } from '../../sandbox/focus.ts'

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
  /** The widget's announcer (session.announce): the status line's changes, the run's totals, a send's result. */
  announce(text: string): void
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

/** The race's controls: rate, payload size, message, Start, Stop, and the status line. */
function createControls(onStart: () => void, onStop: () => void, onSettings: () => void) {
  const rate = select('tr-rate', RATES, 10, ' ev/s')
  const size = select('tr-payload', SIZES, 32, ' B')
  rate.addEventListener('change', onSettings)
  size.addEventListener('change', onSettings)
  const text = h('input', { class: 'tr-input', 'data-testid': 'tr-text', maxlength: 280, size: 12, value: 'hello', autocomplete: 'off' })
  const startBtn = h('button', { type: 'button', class: 'tr-btn tr-primary', 'data-testid': 'tr-start', text: 'Start', onclick: onStart })
  const stopBtn = h('button', { type: 'button', class: 'tr-btn', 'data-testid': 'tr-stop', text: 'Stop', disabled: true, onclick: onStop })
  return {
    rate,
    size,
    text,
    startBtn,
    stopBtn,
    // Not a live region: its changes go through the widget's announcer (`say` in createRace).
    status: h('p', { class: 'tr-hint', 'data-testid': 'tr-status' }),
    settings: () => ({ eventsPerSecond: Number(rate.value), payloadBytes: Number(size.value) }),
    elements: [h('label', {}, 'Rate ', rate), h('label', {}, 'Payload ', size), h('label', {}, 'Message ', text), startBtn, stopBtn],
  }
}

interface ChannelTarget {
  base: string
  space: string
  url(route: string): string
}

/** The three channels of one run, reporting into their panels; a newer run silences older ones. */
function createChannels(
  clients: TransportClients,
  panels: Map<TransportName, Panel>,
  retryMs: number | undefined,
  onHandshake: (hs: HandshakeCapture) => void,
) {
  let run = 0
  let channels = new Map<TransportName, Channel>()
  let renderTimer: ReturnType<typeof setTimeout> | undefined
  const schedule = () => {
    renderTimer ??= setTimeout(() => {
      renderTimer = undefined
      for (const p of panels.values()) p.render()
    }, 100)
  }
  const hooksFor = (name: TransportName, panel: Panel, current: number, target: ChannelTarget): ChannelContext['hooks'] => ({
    event(ev) {
      if (current !== run) return
      panel.tally.add(ev.id, Date.now() - ev.sentAt)
      schedule()
    },
    state: (s, note) => panel.run === current && panel.setState(s, note),
    opened: () =>
      void clients.http<{ handshake: HandshakeCapture | null }>(target.url('/handshake')).then(
        (r) => current === run && r.handshake && onHandshake(r.handshake),
        () => undefined,
      ),
    closed(code) {
      if (panel.run !== current) return
      panel.f.code.textContent = String(code)
      if (!channels.has(name)) panel.setState('closed')
    },
  })
  return {
    get: (name: TransportName) => channels.get(name),
    /** A new run: its number, which `open` and `isCurrent` take. */
    next: () => ++run,
    isCurrent: (n: number) => n === run,
    open(current: number, from: number, target: ChannelTarget) {
      for (const [name, panel] of panels) {
        panel.reset(from)
        panel.run = current
        channels.set(
          name,
          FACTORIES[name]({
            clients,
            base: target.base,
            space: target.space,
            after: from,
            retryMs,
            hooks: hooksFor(name, panel, current, target),
          }),
        )
      }
    },
    close() {
      clearTimeout(renderTimer)
      renderTimer = undefined
      for (const c of channels.values()) c.stop()
      channels = new Map()
    },
  }
}

/** While running: `onWhileRunning` enabled, `offWhileRunning` disabled; the other way round when not. */
function enable(running: boolean, onWhileRunning: HTMLButtonElement[], offWhileRunning: (HTMLButtonElement | HTMLSelectElement)[]): void {
  for (const b of onWhileRunning) b.disabled = !running
  for (const b of offWhileRunning) b.disabled = running
}

/** A transport's "send" button: the message goes up on that transport's own way to the server. */
async function sendFrom(
  panel: Panel | undefined,
  channel: Channel | undefined,
  text: string,
  announce: (t: string) => void,
): Promise<void> {
  if (!panel || !channel) return
  panel.sent.textContent = 'Sending…'
  announce((panel.sent.textContent = await channel.send(text.trim() || 'hello')))
}

/** The three transports' panels; their buttons act on `channelOf(name)`, the channel of the current run, at `target`. */
function createPanels(
  clients: TransportClients,
  target: ChannelTarget,
  channelOf: (name: TransportName) => Channel | undefined,
  text: HTMLInputElement,
  announce: (t: string) => void,
): Map<TransportName, Panel> {
  const panels = new Map(
    (['long-polling', 'sse', 'websocket'] as const).map((name) => [
      name,
      createPanel(name, {
        cut: () => void cut(clients, target.url('/cut'), name, panels.get(name)),
        send: () => void sendFrom(panels.get(name), channelOf(name), text.value, announce),
        closeClean: () => channelOf(name)?.closeClean?.(),
        reopen: () => channelOf(name)?.reopen?.(),
      }),
    ]),
  )
  return panels
}

/** One `/stats` reading, shown in each panel as the change since the race started (unless `isStale()`). */
async function showStats(
  clients: RaceContext['clients'],
  target: ChannelTarget,
  panels: ReturnType<typeof createPanels>,
  baseline: TransportStats['transports'] | undefined,
  isStale: () => boolean,
): Promise<void> {
  const stats = await clients.http<TransportStats>(target.url('/stats'))
  if (isStale()) return
  for (const [name, p] of panels) p.stats(delta(stats.transports[name], baseline?.[name]))
}

/**
 * @example
 * const race = createRace({ clients, root, instanceSelect, instance: () => dir.instances[0], space: () => 'k7q2mx',
 *   statsMs: 1000, onHandshake: (hs) => handshake.show(hs) })
 */
export function createRace(ctx: RaceContext): Race {
  const { clients, root, instanceSelect, instance } = ctx
  let statsTimer: ReturnType<typeof setInterval> | undefined
  let baseline: TransportStats['transports'] | undefined
  /** Where the race runs: fixed at Start, so Stop still reaches it after a space change. */
  const target: ChannelTarget = { base: '', space: '', url: (route) => transportUrl(target.base, target.space, route) }
  const running = () => root.dataset.state === 'running'
  const say = (text: string) => ctx.announce((status.textContent = text))
  const { rate, size, text, startBtn, stopBtn, status, settings, elements } = createControls(
    () => void start(),
    () => void stop(),
    () => {
      if (!running()) return
      clients.http(target.url('/stream'), settings()).then(
        () => say(`Stream now ${rate.value} events/s of ${size.value} B.`),
        (e: unknown) => say(errorText(e)),
      )
    },
  )
  const panels = createPanels(clients, target, (name) => channels.get(name), text, ctx.announce)
  const channels = createChannels(clients, panels, ctx.retryMs, ctx.onHandshake)

  const setState = (state: 'ready' | 'running') => {
    const before = focused()
    root.dataset.state = state
    enable(state === 'running', [stopBtn, ...[...panels.values()].flatMap((p) => p.buttons)], [startBtn, instanceSelect])
    restoreFocus(before, state === 'running' ? stopBtn : startBtn)
  }
  async function pollStats(current: number) {
    await showStats(clients, target, panels, baseline, () => !channels.isCurrent(current) && running()).catch(() => {
      say(`${instance()?.id ?? 'The instance'} does not answer /stats.`)
    })
  }
  async function start() {
    const inst = instance()
    if (!inst || root.dataset.state !== 'ready') return
    const current = channels.next()
    Object.assign(target, { base: inst.base, space: ctx.space() })
    setState('running')
    say(`Starting the stream on ${inst.id}…`)
    try {
      baseline = (await clients.http<TransportStats>(target.url('/stats'))).transports
      const from = (await clients.http<{ lastEventId: number }>(target.url('/stream'), settings())).lastEventId
      if (!channels.isCurrent(current)) return
      say(`Running on ${inst.id} from event ${from + 1}: ${rate.value} events/s of ${size.value} B.`)
      channels.open(current, from, target)
      statsTimer = setInterval(() => void pollStats(current), ctx.statsMs)
    } catch (e) {
      if (!channels.isCurrent(current)) return
      setState('ready')
      say(`Could not start on ${inst.id}: ${errorText(e)}`)
    }
  }
  async function stop() {
    const current = channels.next()
    const wasRunning = running()
    clearInterval(statsTimer)
    channels.close()
    if (!wasRunning) return
    setState('ready')
    say(`Stopped. Events received: ${[...panels].map(([name, p]) => `${name} ${p.tally.received}`).join(', ')}.`)
    try {
      await clients.http(target.url('/stream'), { ...settings(), eventsPerSecond: 0 })
    } catch (e) {
      say(`Stopping the stream failed: ${errorText(e)}`)
    }
    // Let the server see the closed connections before the last reading.
    setTimeout(() => void pollStats(current), 300)
  }

  return {
    controls: elements,
    status: status,
    panels: h('div', { class: 'tr-panels' }, ...[...panels.values()].map((p) => p.el)),
    running,
    setReady: () => setState('ready'),
    stop,
  }
}
