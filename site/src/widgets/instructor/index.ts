/**
 * The instructor console (`/instructor/`) and the projector view (`/instructor/projector/`): the
 * cluster live from every instance's `GET /instructor/cluster`, asked with the key of the link
 * `npm start` printed (sandbox/instructor-client.ts). Without a valid key: one clear message and
 * no controls. The console adds the fault controls (faults.ts); the projector is read-only.
 * The lifecycle (directory, offline state, Retry, polling while visible) is the shared session's.
 */
import { isInstanceFigures, type InstanceFigures } from '@realtime-workbook/sandbox-server/protocol'
import { isErrorAck, type SessionConnector } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { createInstructorClient, forgetKey, takeKey, type InstructorClient, type KeyKind } from '../../sandbox/instructor-client.ts'
import { createSession, type SandboxSession } from '../../sandbox/session.ts'
import { createClusterTable, type ClusterRow } from './cluster-table.ts'
import { createFaultControls } from './faults.ts'

export interface InstructorViewOptions {
  /** `console`: figures and fault controls (instructor key); `projector`: figures only (either key). */
  mode: 'console' | 'projector'
  connector: SessionConnector | (() => Promise<SessionConnector>)
  /** The key; default: read from the page's fragment or this tab's storage. */
  key?: string | null
  /** For the keyed requests (default: the page's fetch). */
  fetch?: typeof fetch
  /** The launcher's fault controls (default `/instructor/api/faults`, on the page's origin). */
  faultsUrl?: string
  /** Milliseconds between two polls. Default 2000. */
  intervalMs?: number
  /**
   * Called once, when the instances accepted the key for this mode: the page mounts what else
   * needs it (the classes panel, the projector's class) with the same key and an instance that is up.
   */
  onVerified?: (verified: { key: string; base: () => string }) => void
}

/** What the page shows without a usable key. */
export const NO_KEY_MESSAGE = 'Open the instructor link that npm start printed'

/** Replaces the view with the one message (no controls); `why` says what was wrong. */
function showNoKey(root: HTMLElement, kind: KeyKind, why: string): void {
  root.dataset.state = 'no-key'
  root.replaceChildren(
    h(
      'div',
      { class: 'iv-no-key rtwb-offline', role: 'alert', 'data-testid': 'iv-no-key' },
      h('p', { class: 'iv-no-key-title', text: `${NO_KEY_MESSAGE}.` }),
      h('p', {
        text: `${why} The link (${kind === 'key' ? '/instructor/#key=…' : '/instructor/projector/#view=…'}) is in the terminal where npm start runs; the key is read once, then kept only in this tab.`,
      }),
    ),
  )
}

/** Asks each up instance for its figures; `unauthorized` when one refused the key. */
async function readCluster(session: SandboxSession<SessionConnector>, client: InstructorClient) {
  const instances = session.directory()?.instances ?? []
  let unauthorized = false
  const rows = await Promise.all(
    instances.map(async (instance): Promise<ClusterRow> => {
      if (!session.health(instance.id)) return { id: instance.id, figures: null }
      const answer = await client.get(`${instance.base}/instructor/cluster`, isInstanceFigures)
      if (isErrorAck(answer) && answer.error.code === 'INSTRUCTOR_UNAUTHORIZED') unauthorized = true
      const figures: InstanceFigures | null = isErrorAck(answer) ? null : answer
      return { id: instance.id, figures }
    }),
  )
  return { rows, unauthorized }
}

/**
 * Mounts the console or the projector in `root`; resolves with a function that stops it.
 *
 * @example
 * const stop = await mountInstructorView(root, { mode: 'console', connector: () => loadSessionConnector() })
 */
export async function mountInstructorView(root: HTMLElement, options: InstructorViewOptions): Promise<() => void> {
  const kind: KeyKind = options.mode === 'console' ? 'key' : 'view'
  const key = options.key === undefined ? takeKey(kind) : options.key
  if (!key) {
    showNoKey(root, kind, 'This page has no instructor key.')
    return () => undefined
  }
  const keyed: string = key
  const client = createInstructorClient(keyed, options.fetch)
  const table = createClusterTable()
  const faults = options.mode === 'console' ? createFaultControls(client, options.faultsUrl ?? '/instructor/api/faults') : null
  const main = h('div', { hidden: true, class: 'iv-main' }, table.el, faults?.el)
  let refreshing = false
  let verified = false
  const refuse = (why: string): void => {
    session.destroy()
    if (options.key === undefined) forgetKey(kind)
    showNoKey(root, kind, why)
  }
  /** The key's role, once, from the first instance that answers. */
  async function verify(): Promise<boolean> {
    const up = session.directory()?.instances.find((i) => session.health(i.id))
    if (verified || !up) return verified
    const answer = await client.whoami(up.base)
    if (isErrorAck(answer)) {
      if (answer.error.code === 'INSTRUCTOR_UNAUTHORIZED')
        refuse('The instances refused this key (npm start makes a new one each time it starts).')
      return false
    }
    if (options.mode === 'console' && answer.role !== 'instructor') {
      refuse('This is the projector’s read-only key; the console needs the instructor link.')
      return false
    }
    verified = true
    const base = (): string => session.directory()?.instances.find((i) => session.health(i.id))?.base ?? up.base
    options.onVerified?.({ key: keyed, base })
    return true
  }
  async function refresh(): Promise<void> {
    if (refreshing) return
    refreshing = true
    try {
      if (!(await verify())) return
      const { rows, unauthorized } = await readCluster(session, client)
      if (unauthorized) return refuse('The instances refused this key (npm start makes a new one each time it starts).')
      table.render(rows)
      await faults?.refresh()
    } finally {
      refreshing = false
    }
  }
  const session: SandboxSession<SessionConnector> = createSession<SessionConnector>({
    connector: options.connector,
    root,
    main,
    prefix: 'iv',
    healthIntervalMs: options.intervalMs ?? 2_000,
    hooks: { ready: () => void refresh(), status: () => void refresh() },
  })
  session.frame(null)
  await session.start()
  return () => session.destroy()
}
