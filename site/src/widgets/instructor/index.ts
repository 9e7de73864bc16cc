/**
 * Instructor view: the cluster at a glance while a class uses it. Polls every instance's
 * `/healthz` and shows, per instance, whether it is up, its Redis link, its sockets and the
 * learner spaces it serves, with cluster totals.
 */
import type { SandboxConnector, SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import type { HealthBody } from '@realtime-workbook/sandbox-server/protocol'

export interface InstructorViewOptions {
  /** Milliseconds between two polls. Default 2000. */
  intervalMs?: number
}

type Row = { instance: SandboxInstance; health: HealthBody | null }

/**
 * Mounts the view in `root` and returns a function that stops polling.
 *
 * @example
 * const stop = await mountInstructorView(document.querySelector('#cluster')!, await loadSocketIoConnector())
 */
export async function mountInstructorView(root: HTMLElement, connector: SandboxConnector, options: InstructorViewOptions = {}): Promise<() => void> {
  const directory = await connector.directory()
  const summary = h('p', { class: 'iv-summary', 'data-testid': 'iv-summary', 'aria-live': 'polite' })
  const body = h('tbody')
  const header = ['Instance', 'Address', 'State', 'Redis', 'Sockets', 'Spaces', 'Up for']
  const table = h(
    'table',
    { class: 'iv-table', 'data-testid': 'iv-table' },
    h('thead', {}, h('tr', {}, ...header.map((title) => h('th', { scope: 'col', text: title })))),
    body,
  )
  const note = h('p', {
    class: 'iv-note',
    text: directory.fallback
      ? 'No /sandbox.json on this site: showing the default ports 4001-4003. Open this page from the URL `npm start` printed.'
      : directory.fanout === 'local-only'
        ? 'Started without Redis: each instance only reaches its own clients.'
        : `Instances share Redis.${directory.emitter ? ` Emitter on port ${directory.emitter.port}.` : ''}`,
  })
  root.replaceChildren(summary, table, note)

  const render = (rows: Row[]): void => {
    const up = rows.filter((row) => row.health)
    const sockets = up.reduce((sum, row) => sum + (row.health?.sockets ?? 0), 0)
    summary.textContent = `${up.length} of ${rows.length} instances up · ${sockets} connections · updated ${new Date().toLocaleTimeString()}`
    body.replaceChildren(
      ...rows.map(({ instance, health }) =>
        h(
          'tr',
          { 'data-testid': 'iv-row', 'data-instance': instance.id, 'data-up': String(Boolean(health)) },
          h('th', { scope: 'row', text: instance.id }),
          h('td', {}, h('code', { text: instance.base })),
          h('td', { class: health ? 'iv-ok' : 'iv-bad', text: health ? 'up' : 'down' }),
          h('td', { class: !health || health.redis === 'ready' ? '' : 'iv-bad', text: health?.redis ?? '–' }),
          h('td', { text: health ? String(health.sockets) : '–' }),
          h('td', { text: health ? String(health.spaces) : '–' }),
          h('td', { text: health ? `${health.uptimeSeconds} s` : '–' }),
        ),
      ),
    )
  }

  let stopped = false
  const poll = async (): Promise<void> => {
    const rows = await Promise.all(
      directory.instances.map(async (instance): Promise<Row> => ({ instance, health: await connector.health(instance).catch(() => null) })),
    )
    if (!stopped) render(rows)
  }
  await poll()
  const timer = setInterval(() => void poll(), options.intervalMs ?? 2_000)
  return () => {
    stopped = true
    clearInterval(timer)
  }
}
