/**
 * Instructor view: the cluster at a glance while a class uses it. Polls every instance's
 * `/healthz` (through the shared session, so it has the same connecting / offline / Retry states
 * as the widgets) and shows, per instance, whether it is up, its Redis link, its sockets and the
 * learner spaces it serves, with cluster totals.
 */
import type { ResolvedDirectory, SandboxConnector } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { createSession, type SandboxSession } from '../../sandbox/session.ts'

export interface InstructorViewOptions {
  /** Milliseconds between two polls. Default 2000. */
  intervalMs?: number
}

const HEADER = ['Instance', 'Address', 'State', 'Redis', 'Sockets', 'Spaces', 'Up for']

function noteText(dir: ResolvedDirectory): string {
  if (dir.fallback) return 'No /sandbox.json on this site: showing the default ports 4001-4003. Open this page from the URL `npm start` printed.'
  if (dir.fanout === 'local-only') return 'Started without Redis: each instance only reaches its own clients.'
  return `Instances share Redis.${dir.emitter ? ` Emitter on port ${dir.emitter.port}.` : ''}`
}

/** One row per instance and the totals line. */
function render(session: SandboxSession, summary: HTMLElement, body: HTMLElement): void {
  const instances = session.directory()?.instances ?? []
  const up = instances.filter((i) => session.health(i.id))
  const sockets = up.reduce((sum, i) => sum + (session.health(i.id)?.sockets ?? 0), 0)
  summary.textContent = `${up.length} of ${instances.length} instances up · ${sockets} connections · updated ${new Date().toLocaleTimeString()}`
  body.replaceChildren(...instances.map((instance) => {
    const health = session.health(instance.id)
    return h('tr', { 'data-testid': 'iv-row', 'data-instance': instance.id, 'data-up': String(Boolean(health)) },
      h('th', { scope: 'row', text: instance.id }),
      h('td', {}, h('code', { text: instance.base })),
      h('td', { class: health ? 'iv-ok' : 'iv-bad', text: health ? 'up' : 'down' }),
      h('td', { class: !health || health.redis === 'ready' ? '' : 'iv-bad', text: health?.redis ?? '–' }),
      h('td', { text: health ? String(health.sockets) : '–' }),
      h('td', { text: health ? String(health.spaces) : '–' }),
      h('td', { text: health ? `${health.uptimeSeconds} s` : '–' }))
  }))
}

/**
 * Mounts the view in `root`; resolves once the cluster answered (or the offline state shows) with
 * a function that stops polling.
 *
 * @example
 * const stop = await mountInstructorView(document.querySelector('#cluster')!, () => loadSocketIoConnector())
 */
export async function mountInstructorView(root: HTMLElement, connector: SandboxConnector | (() => Promise<SandboxConnector>), options: InstructorViewOptions = {}): Promise<() => void> {
  const summary = h('p', { class: 'iv-summary', 'data-testid': 'iv-summary', 'aria-live': 'polite' })
  const body = h('tbody')
  const note = h('p', { class: 'iv-note' })
  const main = h('div', { hidden: true }, summary,
    h('table', { class: 'iv-table', 'data-testid': 'iv-table' }, h('thead', {}, h('tr', {}, ...HEADER.map((title) => h('th', { scope: 'col', text: title })))), body),
    note)
  const session = createSession({
    connector, root, main, prefix: 'iv', healthIntervalMs: options.intervalMs ?? 2_000,
    hooks: {
      ready() {
        const dir = session.directory()
        if (dir) note.textContent = noteText(dir)
      },
      status: () => render(session, summary, body),
    },
  })
  session.frame(null)
  await session.start()
  return () => session.destroy()
}
