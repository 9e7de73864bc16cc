/**
 * Cluster fan-out (lesson 3): two lanes of real clients on the three instances, Adapter ON
 * (`/with-redis`) and Adapter OFF (`/without-redis`); the path of each message animated from the
 * trace, the Redis traffic, fetchSockets()/serverSideEmit(), the Redis emitter, sticky sessions
 * and a simulated Redis outage for this space. UI only; all text goes through textContent.
 *
 * The lifecycle is the shared session (sandbox/session.ts); the parts live beside this file:
 * lane.ts (+ flow.ts, topology.ts), send-form.ts, redis-panel.ts, outage.ts, emitter.ts, sticky.ts.
 * `cf-send-from` values are `<label>@<namespace>`, e.g. `A@/with-redis`.
 */
import type { SandboxConnector, SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import { createSession, type ResetReason, type SandboxSession } from '../../sandbox/session.ts'
import { sharedSpace, type SpaceState } from '../../sandbox/space.ts'
import { createObserverSet, redisBanner } from '../shared/tracing.ts'
import { createEmitterBox } from './emitter.ts'
import { createLane, LABELS, type Lane } from './lane.ts'
import { createOutageBox } from './outage.ts'
import { createRedisPanel } from './redis-panel.ts'
import { createSendForm } from './send-form.ts'
import { createStickyPanel, type OpenWebSocket } from './sticky.ts'
import { btn } from './ui.ts'

export interface ClusterFanoutOptions {
  connector: SandboxConnector | (() => Promise<SandboxConnector>)
  space?: SpaceState
  /** For the emitter and the sticky sessions panel (default: the page's fetch). */
  fetch?: typeof fetch
  /** For the WebSocket-only run of the sticky sessions panel (default: the browser's WebSocket). */
  openWebSocket?: OpenWebSocket
  connectTimeoutMs?: number
  healthIntervalMs?: number
  observerWaitMs?: number
  /** Delay between the stages of a message's path (sender, Redis, other instances, clients). */
  stageMs?: number
}

export interface ClusterFanout {
  destroy(): void
}

const reducedMotion = () => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches

/** The clients of every lane, to reopen in the same lanes after a space change. */
type KeptClients = { lane: Lane; label: string; instance: SandboxInstance }[]
const keepClients = (lanes: Lane[]): KeptClients =>
  lanes.flatMap((lane) => lane.clients().map((c) => ({ lane, label: c.label, instance: c.instance })))

/** "3 clients per lane, one per instance": empties each lane, then opens A, B, C on the first three instances. */
function createSetupButton(lanes: Lane[], session: SandboxSession): HTMLButtonElement {
  return btn(
    '3 clients per lane, one per instance',
    () => {
      for (const lane of lanes) {
        lane.clear()
        session
          .directory()
          ?.instances.slice(0, 3)
          .forEach((inst, n) => lane.add(inst, LABELS[n]))
      }
    },
    'cf-setup',
    ' cf-primary',
  )
}

/** Redis unreachable for an instance that answers (a real outage, not the simulated one). */
function redisDown(session: SandboxSession): boolean {
  return (session.directory()?.instances ?? []).some((i) => {
    const redis = session.health(i.id)?.redis
    return redis === 'down' || redis === 'connecting'
  })
}

/**
 * Builds the widget's panels into `main`, in page order (setup, lanes, send form, Redis traffic,
 * outage, emitter, sticky sessions); returns those the session's hooks update.
 */
function appendPanels(
  main: HTMLElement,
  parts: { root: HTMLElement; lanes: Lane[]; session: SandboxSession; doFetch: typeof fetch; options: ClusterFanoutOptions },
) {
  const { root, lanes, session, doFetch, options } = parts
  const labelOf = (socketId: string) => lanes[0]?.clients().find((c) => c.socketId === socketId)?.label
  const send = createSendForm(lanes, session.announce)
  const redisPanel = createRedisPanel(labelOf)
  const outage = createOutageBox(session.observers, (down) => {
    root.dataset.outage = String(down)
    lanes[0]?.topo.setRedis(down ? 'cut' : 'up')
  })
  const emitter = createEmitterBox({ doFetch, base: () => session.directory()?.emitter?.base, space: session.space })
  main.append(
    createSetupButton(lanes, session),
    h('div', { class: 'cf-lanes' }, ...lanes.map((l) => l.el)),
    send.el,
    redisPanel.el,
    outage.el,
    emitter.el,
    createStickyPanel(() => session.directory()?.instances ?? [], doFetch, options.openWebSocket ?? ((url) => new WebSocket(url))),
  )
  return { send, redisPanel, outage, emitter }
}

/**
 * Mounts the widget in `root` (its static shell) and connects.
 *
 * @example
 * const widget = mountClusterFanout(root, { connector: () => loadSocketIoConnector() })
 * widget.destroy()
 */
export function mountClusterFanout(root: HTMLElement, options: ClusterFanoutOptions): ClusterFanout {
  const space = options.space ?? sharedSpace()
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const main = h('div', { class: 'cf-main', hidden: true })
  let kept: KeptClients = []
  const session = createSession({
    connector: options.connector,
    space,
    root,
    main,
    prefix: 'cf',
    observe: createObserverSet,
    redisBanner,
    connectTimeoutMs: options.connectTimeoutMs,
    healthIntervalMs: options.healthIntervalMs,
    observerWaitMs: options.observerWaitMs,
    hooks: { reset, ready, status, trace: onTrace },
  })
  // A client dropped or came back (an instance killed, drained, restarted): ask the cluster now.
  const onChange = () => (changed(), session.refresh())
  const laneContext = { session, space, reducedMotion, stageMs: options.stageMs ?? 350, onChange }
  const lanes = [createLane(laneContext, '/with-redis', 'Adapter ON'), createLane(laneContext, '/without-redis', 'Adapter OFF')]
  const { send, redisPanel, outage, emitter } = appendPanels(main, { root, lanes, session, doFetch, options })

  function changed() {
    for (const lane of lanes) lane.render()
    const down = redisDown(session)
    root.dataset.redis = down ? 'down' : 'up'
    lanes[0]?.topo.setRedis(outage.isDown() || down ? 'cut' : 'up')
    send.render()
  }
  function reset(reason: ResetReason) {
    if (reason === 'space') kept = keepClients(lanes)
    for (const lane of lanes) lane.clear(true)
    redisPanel.clear()
    outage.reset()
  }
  function ready() {
    for (const k of kept) k.lane.add(k.instance, k.label)
    kept = []
    changed()
  }
  function status() {
    emitter.setAvailable(Boolean(session.directory()?.emitter))
    changed()
  }
  function onTrace(ev: TraceEvent) {
    if (ev.kind === 'outage') return outage.set(ev.instance, ev.down)
    if (ev.kind === 'log') return
    const lane = lanes.find((l) => l.ns === ev.namespace)
    if (!lane) return
    lane.noteTrace(ev)
    if (ev.kind === 'redis') redisPanel.add(ev)
    if (ev.kind === 'redis' || ev.kind === 'call' || ev.kind === 'delivery') lane.flow.show(ev)
  }

  root.classList.add('cf', 'rtwb-widget', 'not-content')
  root.dataset.testid = 'cluster-fanout'
  session.frame(h('h3', { text: 'Cluster fan-out' }))
  void session.start()
  return {
    destroy: session.destroy,
  }
}
