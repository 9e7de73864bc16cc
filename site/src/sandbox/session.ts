/**
 * The lifecycle every live widget and the instructor view share, written once: load the connector
 * (or take one), read the directory, poll each instance's health (paused while the widget is off
 * screen or the tab hidden), open one observer per up instance for widgets that trace (they plug in
 * widgets/shared/tracing.ts, as for the Redis banner), and show
 * the connecting / offline / Redis-down / ready states with one set of plain-language messages.
 * Retry keeps keyboard focus; a restart counter (`epoch`) lets stale async work drop itself; a
 * space change (the space bar is the session's too) restarts everything in the new space;
 * `destroy()` stops it all.
 *
 * Widgets keep only what is theirs: they get hooks (`reset`, `ready`, `status`, `trace`) and put
 * the frame with `session.frame()`. All text goes through text nodes (dom.ts).
 */
import {
  DEFAULT_PORTS,
  type ResolvedDirectory,
  type SandboxConnector,
  type SandboxInstance,
  type SandboxObserver,
  type SessionConnector,
} from './connector.ts'
import { createAnnouncer } from './announcer.ts'
import { h } from './dom.ts'
import { createSpaceBar } from './space-bar.ts'
import type { HealthBody, TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import type { SpaceState } from './space.ts'

export type SessionState = 'connecting' | 'offline' | 'ready'
/** Why the widget must drop its connection-bound state (clients, results). */
export type ResetReason = 'start' | 'space' | 'offline' | 'destroy'

export interface SessionHooks {
  /** Close clients and clear results; on `'space'` a widget may remember what to reopen in `ready`. */
  reset?(reason: ResetReason): void
  /** The cluster answered: directory, health and (when tracing) observers are there. */
  ready?(): void
  /** Health or an observer's hello changed: re-render chips, banners, instance pickers. */
  status?(): void
  /** With `observe`: the trace events of the observers (one per up instance), current epoch only. */
  trace?(event: TraceEvent): void
}

/** `C`: the connector the widget gets back from `session.connector()` (the session itself only needs a `SessionConnector`). */
export interface SessionOptions<C extends SessionConnector = SandboxConnector> {
  /** A connector, or a loader (e.g. `loadSocketIoConnector`) run on the first start. */
  connector: C | (() => Promise<C>)
  /** The learner's space; a change restarts the session in the new one. None for the instructor view. */
  space?: SpaceState
  /** The widget's frame: gets `data-state`, and is watched for visibility. */
  root: HTMLElement
  /** Shown only while ready. */
  main: HTMLElement
  /** Class and test-id prefix: `rp` gives `rp-offline`, `rp-retry`, `rp-btn`... */
  prefix: string
  /** Class of the connecting and offline boxes (default `<prefix>-panel`). */
  panelClass?: string
  /** The Redis banner's text for these health answers, null when fan-out works (`redisBanner` in
   * widgets/shared/tracing.ts); no banner without it. */
  redisBanner?: (dir: ResolvedDirectory | null, bodies: (HealthBody | null)[]) => (Node | string)[] | null
  /** Opts in to observers (`createObserverSet` in widgets/shared/tracing.ts); `hooks.trace` gets their events. */
  observe?: (onHello: () => void) => ObserverSet
  /** After this long without an answer the offline state shows (default 8000). */
  connectTimeoutMs?: number
  /** Health polling period while ready and visible; 0 disables polling (default 5000). */
  healthIntervalMs?: number
  /** How long to wait for the observers' hello before going ready anyway (default 2000). */
  observerWaitMs?: number
  hooks: SessionHooks
}

export interface SandboxSession<C extends SessionConnector = SandboxConnector> {
  /** The current space code ('' without a space). */
  space(): string
  connector(): C | null
  directory(): ResolvedDirectory | null
  /** The last `/healthz` answer of an instance, null when it did not answer. */
  health(instanceId: string): HealthBody | null
  /** Instances whose observer said hello (sorted). */
  traced(): string[]
  observers(): SandboxObserver[]
  /** The restart counter: work started at `epoch()` is stale once `isCurrent` says false. */
  epoch(): number
  isCurrent(epoch: number): boolean
  /** Fills the widget's root: title, space bar, `extras`, Redis banner, connecting, offline, main, live region. */
  frame(title: Node | null, ...extras: Node[]): void
  /** Polite screen-reader announcement, throttled (announcer.ts: the widgets' one way to announce). */
  announce(text: string): void
  /** Counts one event for the next announcement; `summary(n)` phrases a burst of `n` (announcer.ts). */
  announceCount(summary: (n: number) => string): void
  /** (Re)starts from the connector load (first start, Retry). Resolves once ready or offline. */
  start(): Promise<void>
  /**
   * Asks every instance's health now, while ready, instead of at the next poll: a widget calls it
   * when one of its connections drops or comes back, so "instance down" and "back" show at once.
   * At most one extra poll per second.
   */
  refresh(): void
  destroy(): void
}

/** The offline explanation: the ports tried, the command to run and the allowed-origins hint. */
export function offlineMessage(dir: ResolvedDirectory | null, loc: { hostname: string; origin: string } | null): (Node | string)[] {
  const ports: readonly number[] = dir?.instances.map((i) => i.port) ?? DEFAULT_PORTS
  const host = loc?.hostname || 'localhost'
  const origin = loc && loc.origin !== 'null' ? loc.origin : null
  const min = Math.min(...ports)
  const max = Math.max(...ports)
  return [
    `The sandbox cluster isn't running (tried ${host}:${min === max ? min : `${min}-${max}`}). Run `,
    h('code', { text: 'npm install && npm start' }),
    ' in the project folder, then press Retry.',
    origin ? ` If it is running, check that ${origin} is one of its allowed origins (` : '',
    origin ? h('code', { text: 'SANDBOX_ORIGINS' }) : '',
    origin ? ').' : '',
  ]
}

/** The observers of a tracing widget, one per up instance of the space. */
export interface ObserverSet {
  /** Instances whose observer said hello (sorted). */
  traced(): string[]
  list(): SandboxObserver[]
  /** Opens the missing ones; resolves when all said hello (or failed), or after `waitMs`. */
  open(
    connector: SessionConnector,
    instances: SandboxInstance[],
    space: string,
    onTrace: (ev: TraceEvent) => void,
    waitMs: number,
  ): Promise<void>
  close(): void
}

/** The session's panels; `show` below decides which one is visible. */
function createPanels(o: SessionOptions<SessionConnector>, onRetry: () => void) {
  const p = o.prefix
  const cls = o.panelClass ?? `${p}-panel`
  const offlineText = h('p', { role: 'status' })
  const retry = h('button', {
    type: 'button',
    class: `${p}-btn ${p}-primary`,
    'data-testid': `${p}-retry`,
    text: 'Retry',
    onclick: onRetry,
  })
  return {
    banner: h('p', { class: `${p}-banner rtwb-banner`, 'data-testid': `${p}-redis-banner`, role: 'note', hidden: true }),
    connecting: h('p', { class: cls, 'data-testid': `${p}-connecting`, role: 'status', text: 'Connecting to the sandbox…' }),
    offline: h('div', { class: `${cls} ${p}-offline rtwb-offline`, 'data-testid': `${p}-offline`, hidden: true }, offlineText, retry),
    live: createAnnouncer(h('p', { class: 'sr-only', 'data-testid': `${p}-live` })),
    offlineText,
    retry,
  }
}

/** Shows one state; while retrying, the offline box (and the focused Retry) stays, marked busy. */
function show(panels: ReturnType<typeof createPanels>, o: SessionOptions<SessionConnector>, state: SessionState): void {
  const { connecting, offline, retry } = panels
  o.root.dataset.state = state
  connecting.hidden = state !== 'connecting' || !offline.hidden
  if (state !== 'connecting') offline.hidden = state !== 'offline'
  o.main.hidden = state !== 'ready'
  retry.textContent = state === 'connecting' ? 'Retrying…' : 'Retry'
  retry.setAttribute('aria-disabled', String(state === 'connecting'))
}

/**
 * Calls `tick` every `ms` while `root` is on screen and the tab visible (also the security lab's
 * monitoring panel).
 *
 * @example
 * const poller = visiblePoller(root, 1000, refresh)
 * poller.start()
 */
export function visiblePoller(root: HTMLElement, ms: number, tick: () => void) {
  let onScreen = true
  let timer: ReturnType<typeof setInterval> | undefined
  const io =
    typeof IntersectionObserver === 'undefined'
      ? undefined
      : new IntersectionObserver((entries) => {
          onScreen = entries.some((e) => e.isIntersecting)
        })
  io?.observe(root)
  const hidden = () => typeof document !== 'undefined' && document.hidden
  return {
    start() {
      clearInterval(timer)
      if (ms > 0) timer = setInterval(() => onScreen && !hidden() && tick(), ms)
    },
    stop: () => clearInterval(timer),
    destroy() {
      clearInterval(timer)
      io?.disconnect()
    },
  }
}

interface Cluster<C extends SessionConnector> {
  connector: C | null
  dir: ResolvedDirectory | null
  /** The last `/healthz` answer per instance id, null when it did not answer. */
  health: Map<string, HealthBody | null>
}

/**
 * Asks every instance and shows the Redis banner (announcing when it appears, and when Redis is
 * back); false when nobody answered or the answers are stale.
 */
async function pollHealth(
  o: SessionOptions<SessionConnector>,
  c: Cluster<SessionConnector>,
  banner: HTMLElement,
  current: () => boolean,
  announce: (text: string) => void,
): Promise<boolean> {
  const list = c.dir?.instances ?? []
  const bodies = await Promise.all(list.map((i) => c.connector?.health(i).catch(() => null)))
  if (!current()) return false
  c.health = new Map(list.map((inst, n) => [inst.id, bodies[n] ?? null]))
  const text = o.redisBanner?.(c.dir, [...c.health.values()])
  const hadBanner = !banner.hidden
  banner.hidden = !text
  if (text) banner.replaceChildren(...text)
  if (hadBanner !== Boolean(text) && bodies.some(Boolean))
    announce(text ? (banner.textContent ?? '') : 'Redis is back: messages reach every instance again.')
  o.hooks.status?.()
  return bodies.some(Boolean)
}

/** Loads the connector (once) and the directory; false when `stale()` by then. */
async function loadDirectory<C extends SessionConnector>(o: SessionOptions<C>, c: Cluster<C>, stale: () => boolean): Promise<boolean> {
  if (!c.connector && typeof o.connector === 'function') c.connector = await o.connector()
  if (stale() || !c.connector) return false
  c.dir = await c.connector.directory()
  return !stale()
}

/** Opens the observers of the instances that answered (tracing widgets only); their events reach `hooks.trace` while `current()`. */
function observeUp(
  o: SessionOptions<SessionConnector>,
  c: Cluster<SessionConnector>,
  observers: ObserverSet | undefined,
  current: () => boolean,
) {
  const onTrace = o.hooks.trace
  if (!onTrace || !observers || !c.connector || !c.dir) return Promise.resolve()
  const up = c.dir.instances.filter((i) => c.health.get(i.id))
  return observers.open(c.connector, up, o.space?.current() ?? '', (ev) => current() && onTrace(ev), o.observerWaitMs ?? 2000)
}

/** A widget's children, in reading order: its title, space bar and extras, then the session's panels and its main part. */
function frameChildren(main: HTMLElement, panels: ReturnType<typeof createPanels>, top: (Node | null | undefined)[]): Node[] {
  return [...top, panels.banner, panels.connecting, panels.offline, main, panels.live.el].filter((n): n is Node => Boolean(n))
}

/** `fn`, at most once per `ms` (calls in between are dropped). */
function throttle(ms: number, fn: () => unknown): () => void {
  let last = 0
  return () => {
    if (Date.now() - last < ms) return
    last = Date.now()
    fn()
  }
}

function focusInside(main: HTMLElement): void {
  main.tabIndex = -1
  main.focus()
}

/**
 * Creates the sandbox lifecycle of one widget; call `start()` once the frame is in place.
 *
 * @example
 * const main = h('div', { hidden: true })
 * const session = createSession({
 *   connector: () => loadSocketIoConnector(), space: sharedSpace(), root, main, prefix: 'rp',
 *   hooks: { reset: () => closeClients(), ready: () => render(), status: () => renderChips(), trace: (ev) => log.add(ev) },
 * })
 * session.frame(h('h3', { text: 'Room playground' }))
 * void session.start()
 */
export function createSession<C extends SessionConnector = SandboxConnector>(o: SessionOptions<C>): SandboxSession<C> {
  const { hooks, space } = o
  const c: Cluster<C> = { connector: typeof o.connector === 'function' ? null : o.connector, dir: null, health: new Map() }
  let state: SessionState = 'connecting'
  let epoch = 0
  const panels = createPanels(o, () => void (state !== 'connecting' && start()))
  const observers = o.observe?.(() => hooks.status?.())
  const poller = visiblePoller(o.root, o.healthIntervalMs ?? 5000, () => void pollAgain(epoch))
  const spaceBar = space && createSpaceBar(space)
  const unsubscribeSpace = space?.subscribe(() => void start('space'))
  const announce = panels.live.say
  const setState = (next: SessionState) => {
    state = next
    show(panels, o, next)
    if (next !== 'ready') poller.stop()
  }
  const poll = (current: number) => pollHealth(o, c, panels.banner, () => current === epoch, announce)
  const openObservers = (current: number) => observeUp(o, c, observers, () => current === epoch)
  async function pollAgain(current: number): Promise<void> {
    if (await poll(current)) void openObservers(current)
    else if (current === epoch) goOffline()
  }
  function goOffline(): void {
    panels.offlineText.replaceChildren(...offlineMessage(c.dir, typeof location === 'undefined' ? null : location))
    observers?.close()
    hooks.reset?.('offline')
    setState('offline')
    announce('The sandbox is offline.')
  }
  /** Connector (loaded once), directory, health, observers; false when stale or nobody answered. */
  async function connect(current: number): Promise<boolean> {
    if (!(await loadDirectory(o, c, () => current !== epoch)) || !(await poll(current))) return false
    await openObservers(current)
    return current === epoch
  }
  async function start(reason: ResetReason = 'start'): Promise<void> {
    const current = ++epoch
    observers?.close()
    hooks.reset?.(reason)
    setState('connecting')
    const timer = setTimeout(() => current === epoch && state === 'connecting' && goOffline(), o.connectTimeoutMs ?? 8000)
    const connected = await connect(current).catch(() => false)
    clearTimeout(timer)
    if (!connected) return void (current === epoch && state === 'connecting' && goOffline())
    const hadFocus = typeof document !== 'undefined' && document.activeElement === panels.retry
    setState('ready')
    hooks.ready?.()
    announce(`Sandbox ready: ${[...c.health.values()].filter(Boolean).length} of ${c.dir?.instances.length ?? 0} instances up.`)
    poller.start()
    // Retry is hidden now: keep keyboard focus inside the widget rather than losing it to <body>.
    if (hadFocus) focusInside(o.main)
  }

  return {
    space: () => space?.current() ?? '',
    connector: () => c.connector,
    directory: () => c.dir,
    health: (id) => c.health.get(id) ?? null,
    traced: () => observers?.traced() ?? [],
    observers: () => observers?.list() ?? [],
    epoch: () => epoch,
    isCurrent: (n) => n === epoch,
    announce,
    announceCount: panels.live.count,
    frame: (title, ...extras) => o.root.replaceChildren(...frameChildren(o.main, panels, [title, spaceBar?.el, ...extras])),
    start: () => start(),
    refresh: throttle(1000, () => state === 'ready' && void pollAgain(epoch)),
    destroy() {
      epoch++
      poller.destroy()
      unsubscribeSpace?.()
      spaceBar?.destroy()
      observers?.close()
      hooks.reset?.('destroy')
    },
  }
}
