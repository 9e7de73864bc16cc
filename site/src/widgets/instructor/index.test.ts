// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import type { FaultsStatus, InstanceFigures } from '@realtime-workbook/sandbox-server/protocol'
import { createFakeConnector } from '../../sandbox/fake-connector.ts'
import { mountInstructorView } from './index.ts'

const KEY = 'k'.repeat(43)
const stops: (() => void)[] = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

const figures = (instance: string, learners: number): InstanceFigures => ({
  instance,
  state: 'ok',
  redis: 'ready',
  learnerSockets: learners,
  observerSockets: 1,
  eventsInPerSecond: 2.5,
  eventsOutPerSecond: 40,
  windowSeconds: 10,
  rssBytes: 120 * 1024 * 1024,
  heapUsedBytes: 40 * 1024 * 1024,
  loopLagP50Ms: 20.1,
  loopLagP99Ms: 21.4,
  uptimeSeconds: 12,
})

/** A stand-in for the instances' instructor routes and the launcher's fault routes. */
function server(options: { role?: 'instructor' | 'projector'; accept?: string } = {}) {
  const posted: unknown[] = []
  const faults: FaultsStatus = {
    instances: ['i1', 'i2', 'i3'].map((id) => ({ id, port: 4000, state: 'running', restarts: 0 })),
    redis: { controllable: false, state: 'external', reason: 'npm start did not start this Redis' },
  }
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
  const doFetch: typeof fetch = async (input, init) => {
    const url = String(input)
    const auth = new Headers(init?.headers).get('Authorization')
    if (auth !== `Bearer ${options.accept ?? KEY}`)
      return json({ error: { code: 'INSTRUCTOR_UNAUTHORIZED', message: 'this needs the instructor key' } }, 401)
    if (url.endsWith('/instructor/whoami')) return json({ role: options.role ?? 'instructor' })
    if (url.endsWith('/instructor/cluster')) return json(figures(/:(\d+)/.exec(url)?.[1] === '4002' ? 'i2' : 'i1', 3))
    if (url === '/instructor/api/faults' && init?.method === 'POST') {
      posted.push(JSON.parse(String(init.body)))
      return json({ ok: true, message: 'i2 was killed; the launcher restarts it', status: faults })
    }
    if (url === '/instructor/api/faults') return json(faults)
    return json({ error: { code: 'NOT_FOUND', message: 'no' } }, 404)
  }
  return { doFetch, posted }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30))

async function mount(mode: 'console' | 'projector', key: string | null, options: Parameters<typeof server>[0] = {}) {
  const root = document.createElement('div')
  document.body.append(root)
  const { doFetch, posted } = server(options)
  stops.push(await mountInstructorView(root, { mode, connector: createFakeConnector(), key, fetch: doFetch, intervalMs: 10 }))
  await settle()
  return { root, posted }
}

describe('instructor console', () => {
  it('shows each instance live, learner and observer sockets apart, and the fault controls', async () => {
    const { root } = await mount('console', KEY)
    const rows = [...root.querySelectorAll('[data-testid="iv-row"]')].map((row) => [...row.children].map((cell) => cell.textContent))
    expect(rows).toHaveLength(3)
    expect(rows[0]).toEqual(['i1', 'up 12 s', '3', '1', '2.5', '40', '120 / 40 MB', '21 ms', 'ready'])
    expect(root.querySelector('[data-testid="iv-summary"]')?.textContent).toMatch(
      /^3 of 3 instances up · 9 learner sockets · 3 observer sockets/,
    )
    expect(root.querySelectorAll('[data-testid="iv-kill"]')).toHaveLength(3)
    const stop = root.querySelector<HTMLButtonElement>('[data-testid="iv-redis-stop"]')
    expect(stop?.disabled).toBe(true)
    expect(root.querySelector('[data-testid="iv-redis-reason"]')?.textContent).toContain('did not start this Redis')
  })

  it('asks for confirmation before acting, and logs what was done', async () => {
    const { root, posted } = await mount('console', KEY)
    const dialog = root.querySelector<HTMLDialogElement>('[data-testid="iv-dialog"]')
    root.querySelector<HTMLButtonElement>('[data-instance="i2"] [data-testid="iv-kill"]')?.click()
    await settle()
    expect(dialog?.open).toBe(true)
    expect(dialog?.textContent).toContain('Kill i2?')
    dialog?.close('no')
    await settle()
    expect(posted).toEqual([])
    root.querySelector<HTMLButtonElement>('[data-instance="i2"] [data-testid="iv-kill"]')?.click()
    await settle()
    dialog?.close('yes')
    await settle()
    expect(posted).toEqual([{ action: 'kill', instance: 'i2' }])
    expect(root.querySelector('[data-testid="iv-fault-log"]')?.textContent).toContain('i2 was killed')
  })

  it('keeps keyboard focus when a confirmed action re-creates the buttons: the same action (the heading while it is disabled)', async () => {
    const { root } = await mount('console', KEY)
    const kill = () => root.querySelector<HTMLButtonElement>('[data-instance="i2"] [data-testid="iv-kill"]')
    const opener = kill()
    opener?.focus()
    opener?.click()
    await settle()
    // The browser gives focus back to the opener when the dialog closes.
    opener?.focus()
    root.querySelector<HTMLDialogElement>('[data-testid="iv-dialog"]')?.close('yes')
    await settle()
    expect(opener?.isConnected).toBe(false)
    // The fake answer leaves i2 running, so its new Kill button takes focus (else the heading would).
    expect(document.activeElement).toBe(kill())
  })

  it.each([
    ['no key', null, {}, /has no instructor key/],
    ['a wrong key', 'w'.repeat(43), {}, /refused this key/],
    ['the projector key', KEY, { role: 'projector' as const }, /projector’s read-only key/],
  ])('with %s shows one message and no controls', async (_, key, options, why) => {
    const { root } = await mount('console', key, options)
    expect(root.dataset.state).toBe('no-key')
    expect(root.querySelector('[data-testid="iv-no-key"]')?.textContent).toMatch(/Open the instructor link that npm start printed/)
    expect(root.querySelector('[data-testid="iv-no-key"]')?.textContent).toMatch(why)
    expect(root.querySelectorAll('button')).toHaveLength(0)
  })
})

describe('projector view', () => {
  it('shows the cluster read-only with the projector key', async () => {
    const { root } = await mount('projector', KEY, { role: 'projector' })
    expect(root.querySelectorAll('[data-testid="iv-row"]')).toHaveLength(3)
    expect(root.querySelector('[data-testid="iv-fault-controls"]')).toBeNull()
  })
})
