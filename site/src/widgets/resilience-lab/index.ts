/**
 * Resilience lab (lesson 5): six experiments on the learner's own space of the real cluster, each
 * a control row, a Run button and a result of numbers with a small timeline or list: lost or
 * recovered (Streams adapter + recovery vs pub/sub), acks/retries/idempotency, a reconnection
 * storm, volatile events, bytes on the wire, heartbeat. UI only; all text through text nodes.
 *
 * The lifecycle is the shared session (sandbox/session.ts); the lab's sockets come from
 * sandbox/resilience-client.ts (not the shared connector: other pages do not carry them). Heavy
 * runs live in `on-demand-*.ts` modules, loaded on the first click.
 */
import type { SandboxConnector } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import type { ResilienceConnector } from '../../sandbox/resilience-client.ts'
import { createSession, type ResetReason } from '../../sandbox/session.ts'
import { sharedSpace, type SpaceState } from '../../sandbox/space.ts'
import { redisBanner } from '../shared/tracing.ts'
import { createCard, type Card } from './card.ts'
import { EXPERIMENTS } from './experiments.ts'
import type { Experiment, LabContext } from './types.ts'

export { EXPERIMENTS }

export interface ResilienceLabOptions {
  connector: SandboxConnector | (() => Promise<SandboxConnector>)
  /** The lab's sockets (default: none; live.ts gives the socket.io-client one, tests the fake). */
  lab: ResilienceConnector
  space?: SpaceState
  /** Which experiments (default all six). */
  experiments?: Experiment[]
  /** The runs' waits (tests shorten them). */
  sleep?: (ms: number) => Promise<void>
  connectTimeoutMs?: number
  healthIntervalMs?: number
}

export interface ResilienceLab {
  destroy(): void
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Mounts the lab in `root` (its static shell) and connects.
 *
 * @example
 * const lab = mountResilienceLab(root, { connector: () => loadSocketIoConnector(), lab: createResilienceConnector() })
 * lab.destroy()
 */
export function mountResilienceLab(root: HTMLElement, options: ResilienceLabOptions): ResilienceLab {
  const space = options.space ?? sharedSpace()
  const main = h('div', { class: 'rl-main', hidden: true })
  const tracked = new Set<{ close(): void }>()
  const session = createSession({
    connector: options.connector,
    space,
    root,
    main,
    prefix: 'rl',
    redisBanner,
    connectTimeoutMs: options.connectTimeoutMs,
    healthIntervalMs: options.healthIntervalMs,
    hooks: { reset },
  })
  const cards: Card[] = []
  let running = false

  function context(epoch: number): LabContext {
    return {
      lab: options.lab,
      instances: session.directory()?.instances.filter((i) => session.health(i.id)) ?? [],
      space: session.space(),
      current: () => session.isCurrent(epoch),
      track(thing) {
        tracked.add(thing)
        return thing
      },
      sleep: options.sleep ?? realSleep,
    }
  }
  async function run(card: Card) {
    if (running) return
    running = true
    const epoch = session.epoch()
    for (const c of cards) c.busy(c === card, true)
    try {
      const outcome = await card.setup.run(context(epoch), card.progress)
      if (!session.isCurrent(epoch)) return
      card.show(outcome)
      session.announce(`${card.experiment.title}: ${outcome.summary}`)
    } catch (error) {
      if (!session.isCurrent(epoch)) return
      const message = error instanceof Error ? error.message : String(error)
      card.show({ view: h('p', { class: 'rl-error', text: `Could not run: ${message}` }), summary: message, failed: true })
      session.announce(`${card.experiment.title}: could not run.`)
    } finally {
      closeTracked()
      running = false
      for (const c of cards) c.busy(false, false)
    }
  }
  function closeTracked() {
    for (const thing of tracked) thing.close()
    tracked.clear()
  }
  function reset(reason: ResetReason) {
    closeTracked()
    if (reason !== 'start') for (const c of cards) c.clear()
  }

  for (const experiment of options.experiments ?? EXPERIMENTS) {
    const card: Card = createCard(experiment, () => void run(card))
    cards.push(card)
  }
  main.append(h('ol', { class: 'rl-list', 'aria-label': 'Experiments' }, ...cards.map((c) => c.el)))
  root.classList.add('rl', 'rtwb-widget', 'not-content')
  root.dataset.testid = 'resilience-lab'
  session.frame(h('h3', { text: 'Resilience lab' }))
  void session.start()
  return { destroy: session.destroy }
}
