/**
 * Security lab (lesson 4): one button per attack against the learner's own space on the real
 * cluster, each showing what was sent, the server's answer, the log line the instance wrote
 * (streamed by the space's observers) and the metric that moved; beside it, a live monitoring
 * panel of the space and the cluster. UI only; all text goes through text nodes (sandbox/dom.ts).
 *
 * The lifecycle is the shared session (sandbox/session.ts); the parts live beside this file:
 * handshake-attacks.ts, action-attacks.ts, wire-attacks.ts (the attacks), learner.ts (token and
 * `/secure` sockets), result.ts, runner.ts, logs.ts, stats.ts and panel.ts.
 */
import type { SessionConnector } from '../../sandbox/connector.ts'
import type { SecureConnector } from '../../sandbox/secure-client.ts'
import { h } from '../../sandbox/dom.ts'
import { createSession, type ResetReason } from '../../sandbox/session.ts'
import { sharedSpace, type SpaceState } from '../../sandbox/space.ts'
import { createObserverSet, redisBanner } from '../shared/tracing.ts'
import { createLearnerSockets } from './learner.ts'
import { ATTACK_LIST, createAttackList } from './attack-list.ts'
import { createLogBuffer } from './logs.ts'
import { createPanel } from './panel.ts'
import { readSnapshot } from './stats.ts'
import type { LabContext, LabPlatform } from './types.ts'

export { ATTACK_LIST }

export interface SecurityLabOptions {
  /** The session's connector: the lab opens no playground client. */
  connector: SessionConnector | (() => Promise<SessionConnector>)
  /** Lesson 4's client (tokens, `/secure`, stats), used once the session is connected. */
  secure: SecureConnector
  space?: SpaceState
  /** The browser pieces the wire attacks use (default: the page's). */
  platform?: Partial<Omit<LabPlatform, 'frameHost'>>
  connectTimeoutMs?: number
  healthIntervalMs?: number
  observerWaitMs?: number
  /** The monitoring panel's period (default 1000). */
  panelIntervalMs?: number
  /** Wait after an attack before reading log lines and metrics (default runner's GRACE_MS). */
  graceMs?: number
}

export interface SecurityLab {
  destroy(): void
}

function defaultPlatform(frameHost: HTMLElement, given: SecurityLabOptions['platform'] = {}): LabPlatform {
  return {
    fetch: given.fetch ?? ((input, init) => fetch(input, init)),
    openWebSocket: given.openWebSocket ?? ((url) => new WebSocket(url)),
    window: given.window ?? window,
    frameHost,
  }
}

/**
 * Mounts the widget in `root` (its static shell) and connects.
 *
 * @example
 * const lab = mountSecurityLab(root, { connector: () => loadSessionConnector(), secure: createSecureConnector() })
 * lab.destroy()
 */
export function mountSecurityLab(root: HTMLElement, options: SecurityLabOptions): SecurityLab {
  const space = options.space ?? sharedSpace()
  const main = h('div', { class: 'lab-main', hidden: true })
  const logs = createLogBuffer()
  const session = createSession({
    connector: options.connector,
    space,
    root,
    main,
    prefix: 'lab',
    observe: createObserverSet,
    redisBanner,
    connectTimeoutMs: options.connectTimeoutMs,
    healthIntervalMs: options.healthIntervalMs,
    observerWaitMs: options.observerWaitMs,
    hooks: { reset, ready, trace: (ev) => logs.add(ev) },
  })
  const learners = createLearnerSockets(() => ({ connector: requireConnector(), space: session.space() }))
  const frameHost = h('div', { class: 'lab-frame-host' })
  const platform = defaultPlatform(frameHost, options.platform)
  const requireConnector = () => {
    if (!session.connector()) throw new Error('the sandbox is not connected')
    return options.secure
  }
  const snapshot = async () => {
    const dir = session.directory()
    return session.connector() && dir ? readSnapshot(options.secure, dir.instances, session.space()) : null
  }
  const panel = createPanel({ root, read: snapshot, announce: session.announce, intervalMs: options.panelIntervalMs })
  const attacks = createAttackList({
    context,
    logs,
    snapshot,
    graceMs: options.graceMs,
    done(attack, codes) {
      session.announce(`${attack.label}: ${codes.join(', ')}.`)
      void panel.refresh()
    },
  })
  main.append(h('div', { class: 'lab-grid' }, h('div', { class: 'lab-attacks' }, attacks.el, frameHost), panel.el))

  function context(): LabContext {
    const dir = session.directory()
    return {
      connector: requireConnector(),
      space: session.space(),
      instances: dir?.instances ?? [],
      attackerBase: dir?.attacker?.base,
      learners,
      platform,
    }
  }
  function reset(reason: ResetReason) {
    learners.closeAll()
    frameHost.replaceChildren()
    panel.stop()
    if (reason === 'destroy') panel.destroy()
    // Another space: the previous one's results, log lines and figures are not about this one.
    if (reason === 'space') {
      attacks.clear()
      logs.clear()
      panel.clear()
    }
  }
  function ready() {
    panel.start()
  }

  root.classList.add('lab', 'rtwb-widget', 'not-content')
  root.dataset.testid = 'security-lab'
  session.frame(h('h3', { text: 'Security lab' }))
  void session.start()
  return { destroy: session.destroy }
}
