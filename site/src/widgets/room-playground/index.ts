/**
 * Room playground: virtual clients on the sandbox cluster, a send form for the six emit calls,
 * and the server-side trace of what each instance ran and delivered.
 *
 * The lifecycle (connector, health, observers, offline/ready states) is the shared session
 * (sandbox/session.ts); this file wires the playground's parts: instance chips, clients
 * (clients.ts), send form (send-form.ts) and the event log (log.ts). UI only: lesson prose lives
 * in the lesson; all text goes through textContent (see dom.ts).
 */
import type { SandboxConnector } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { createSession, type SandboxSession } from '../../sandbox/session.ts'
import { sharedSpace, type SpaceState } from '../../sandbox/space.ts'
import { createObserverSet, redisBanner } from '../shared/tracing.ts'
import { createClientList } from './clients.ts'
import { createEventLog } from './log.ts'
import { createSendForm } from './send-form.ts'

export interface RoomPlaygroundOptions {
  /** A connector, or a loader (e.g. `loadSocketIoConnector`) run on mount. */
  connector: SandboxConnector | (() => Promise<SandboxConnector>)
  space?: SpaceState
  /** After this long without an answer the offline state shows. */
  connectTimeoutMs?: number
  /** Health polling period while the widget is visible; 0 disables polling. */
  healthIntervalMs?: number
  /** How long to wait for the observers' hello before enabling clients anyway. */
  observerWaitMs?: number
}

export interface RoomPlayground {
  destroy(): void
}

/** One chip per instance: up or down, its Redis link, and whether its trace is watched. */
function renderChips(chips: HTMLElement, session: SandboxSession): void {
  const traced = new Set(session.traced())
  chips.replaceChildren(...(session.directory()?.instances ?? []).map((inst) => {
    const body = session.health(inst.id)
    const redis = body ? (body.redis === 'disabled' ? ' · no Redis' : ` · Redis ${body.redis}`) : ''
    const trace = body && !traced.has(inst.id) ? ' · no trace yet' : ''
    return h('li', { class: `rp-chip rp-inst-${!body ? 'down' : body.redis === 'down' ? 'warn' : 'up'}`, 'data-testid': 'rp-instance', 'data-instance': inst.id, 'data-up': String(Boolean(body)) },
      h('strong', { text: inst.id }), ` :${inst.port} · ${body ? 'up' : 'down'}${redis}${trace}`)
  }))
}

/**
 * Mounts the playground in `root` (its static shell) and connects.
 *
 * @example
 * const playground = mountRoomPlayground(root, { connector: () => loadSocketIoConnector() })
 * playground.destroy()
 */
export function mountRoomPlayground(root: HTMLElement, options: RoomPlaygroundOptions): RoomPlayground {
  const space = options.space ?? sharedSpace()
  const chips = h('ul', { class: 'rp-chips', 'aria-label': 'Sandbox instances' })
  const main = h('div', { class: 'rp-main', hidden: true })
  const session = createSession({
    connector: options.connector, space, root, main, prefix: 'rp', observe: createObserverSet, redisBanner,
    connectTimeoutMs: options.connectTimeoutMs, healthIntervalMs: options.healthIntervalMs, observerWaitMs: options.observerWaitMs,
    hooks: {
      reset(reason) {
        clients.reset(reason)
        log.clear()
      },
      ready: () => clients.restore(),
      status() {
        renderChips(chips, session)
        clients.renderInstances()
      },
      trace: (ev) => log.add(ev),
    },
  })
  const log = createEventLog(session.traced)
  const clients = createClientList(session, () => {
    log.setClients(clients.clients().map((c) => c.label))
    send.render()
  })
  const send = createSendForm(clients)
  main.append(clients.el, send.el, log.el)

  root.classList.add('rp', 'rtwb-widget', 'not-content')
  root.dataset.testid = 'room-playground'
  session.frame(h('h3', { class: 'rp-title', text: 'Room playground' }), chips)
  void session.start()
  return {
    destroy: session.destroy,
  }
}
