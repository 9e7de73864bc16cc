/**
 * Transport race: one event stream of a sandbox instance delivered over long polling, SSE and a
 * raw WebSocket at once, with latency, continuity and wire counters; plus the WebSocket
 * handshake, Socket.IO's own transport choice and the HTTP/1.1 connection limit.
 *
 * The lifecycle is the shared session (sandbox/session.ts); the parts live beside this file:
 * race.ts (controls, channels, panel.ts), handshake.ts, sio-probe.ts, limit.ts.
 * UI only: lesson prose lives in the lesson. All text goes through textContent (see dom.ts).
 */
import type { SandboxInstance, SessionConnector } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { createSession, type SandboxSession } from '../../sandbox/session.ts'
import { sharedSpace, type SpaceState } from '../../sandbox/space.ts'
import type { TransportClients } from '../../sandbox/transports.ts'
import { createHandshakeBox } from './handshake.ts'
import { createLimitPanel } from './limit.ts'
import { createRace } from './race.ts'
import { createSioBox } from './sio-probe.ts'

export interface TransportRaceOptions {
  /** A connector (for `/sandbox.json` and `/healthz`), or a loader run on mount. */
  connector: SessionConnector | (() => Promise<SessionConnector>)
  clients: TransportClients
  space?: SpaceState
  connectTimeoutMs?: number
  /** Health polling period while the widget is visible; 0 disables polling. */
  healthIntervalMs?: number
  /** Server stats polling period while running. */
  statsIntervalMs?: number
  /** Pause before long polling asks again / the WebSocket reopens. */
  retryMs?: number
}

export interface TransportRace {
  destroy(): void
}

/** The race's instance, the limit demo's (3, or 2 when the race is on 3) and Socket.IO's (the other one). */
function pick(instances: SandboxInstance[], selected: string) {
  const r = Math.max(0, Number(selected) - 1)
  const l = instances.length < 2 ? r : r < 2 ? Math.min(2, instances.length - 1) : 1
  const s = [0, 1, 2].find((n) => n !== r && n !== l && n < instances.length) ?? r
  return { race: instances[r], limit: instances[l], sio: instances[s] }
}

/** Instance options, "(down)" for those that did not answer; keeps the selection when it still exists. */
function renderInstances(select: HTMLSelectElement, session: SandboxSession<SessionConnector>): void {
  const instances = session.directory()?.instances ?? []
  const keep = select.value || '1'
  select.replaceChildren(
    ...instances.map((inst, n) => h('option', { value: String(n + 1), text: `${inst.id}${session.health(inst.id) ? '' : ' (down)'}` })),
  )
  select.value = Number(keep) <= instances.length ? keep : '1'
}

/**
 * Mounts the race in `root` (its static shell) and connects.
 *
 * @example
 * const race = mountTransportRace(root, { connector: () => loadSessionConnector(), clients: browserTransportClients() })
 * race.destroy()
 */
export function mountTransportRace(root: HTMLElement, options: TransportRaceOptions): TransportRace {
  const { clients } = options
  const space = options.space ?? sharedSpace()
  const main = h('div', { class: 'tr-main', hidden: true })
  const session = createSession({
    connector: options.connector,
    space,
    root,
    main,
    prefix: 'tr',
    panelClass: 'tr-panel-msg',
    connectTimeoutMs: options.connectTimeoutMs,
    healthIntervalMs: options.healthIntervalMs,
    hooks: {
      reset() {
        void race.stop()
        sio.close()
        limitPanel.destroy()
      },
      ready() {
        race.setReady()
        place()
      },
      status: () => renderInstances(instance, session),
    },
  })
  const instance = h('select', { 'data-testid': 'tr-instance', onchange: () => place() })
  const targets = () => pick(session.directory()?.instances ?? [], instance.value)
  const handshake = createHandshakeBox()
  const sio = createSioBox(clients, () => targets().sio, session.space)
  const limitPanel = createLimitPanel(clients)
  const race = createRace({
    clients,
    root,
    instanceSelect: instance,
    instance: () => targets().race,
    space: session.space,
    statsMs: options.statsIntervalMs ?? 1000,
    retryMs: options.retryMs,
    onHandshake: handshake.show,
    announce: session.announce,
  })
  function place() {
    const { limit, sio: probe } = targets()
    if (limit) limitPanel.setTarget(limit.base, limit.id, session.space())
    void sio.connect(probe, session.space())
  }
  main.append(
    h('div', { class: 'tr-controls tr-row' }, h('label', {}, 'Instance ', instance), ...race.controls),
    race.status,
    race.panels,
    h('div', { class: 'tr-side' }, handshake.el, sio.el, limitPanel.el),
  )

  root.classList.add('tr', 'rtwb-widget', 'not-content')
  root.dataset.testid = 'transport-race'
  session.frame(h('h3', { class: 'tr-title', text: 'Transport race' }))
  void session.start()
  return {
    destroy: session.destroy,
  }
}
