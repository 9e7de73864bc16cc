// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { h } from './dom.ts'
import { createFakeConnector, type FakeConnector } from './fake-connector.ts'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import { createSession, offlineMessage, type ResetReason, type SandboxSession, type SessionHooks } from './session.ts'
import { createSpaceState } from './space.ts'
import { createObserverSet, redisBanner, redisTrouble } from '../widgets/shared/tracing.ts'

let session: SandboxSession | undefined
afterEach(() => {
  session?.destroy()
  document.body.replaceChildren()
})

function mount(fake: FakeConnector | (() => Promise<FakeConnector>), hooks: SessionHooks = {}, extra: { connectTimeoutMs?: number; healthIntervalMs?: number } = {}) {
  const root = h('section')
  const main = h('div', { hidden: true }, h('button', { text: 'inside' }))
  const space = createSpaceState('aaaaaa')
  const resets: ResetReason[] = []
  const s = createSession({
    connector: fake, space, root, main, prefix: 'xx', observe: createObserverSet, redisBanner, healthIntervalMs: 0, observerWaitMs: 100, ...extra,
    hooks: { ...hooks, reset: (reason) => { resets.push(reason); hooks.reset?.(reason) } },
  })
  session = s
  s.frame(h('h3', { text: 'Widget' }))
  document.body.append(root)
  const started = s.start()
  return { root, main, space, resets, started, s }
}
const byId = (root: HTMLElement, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement

describe('sandbox session', () => {
  it('loads the connector once, reads the directory and health, and shows main when ready', async () => {
    const loader = vi.fn(async () => createFakeConnector())
    const status = vi.fn()
    const ready = vi.fn()
    const { root, main, started, s, resets } = mount(loader, { status, ready })
    expect(root.dataset.state).toBe('connecting')
    expect(byId(root, 'xx-connecting').hidden).toBe(false)
    await started
    expect(root.dataset.state).toBe('ready')
    expect(main.hidden).toBe(false)
    expect(byId(root, 'xx-connecting').hidden).toBe(true)
    expect(s.directory()?.instances.map((i) => i.id)).toEqual(['i1', 'i2', 'i3'])
    expect(s.health('i2')?.status).toBe('ok')
    expect(ready).toHaveBeenCalledTimes(1)
    expect(status).toHaveBeenCalled()
    expect(resets).toEqual(['start'])
    await s.start()
    expect(loader).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(byId(root, 'xx-live').textContent).toBe('Sandbox ready: 3 of 3 instances up.'))
  })

  it('opens one observer per up instance only for widgets that trace, and passes their events on', async () => {
    const plain = createFakeConnector()
    await mount(plain).started
    expect(plain.observerCount()).toBe(0)
    session?.destroy()

    const fake = createFakeConnector()
    fake.down.add('i3')
    const traces: TraceEvent[] = []
    const { s, started } = mount(fake, { trace: (ev) => traces.push(ev) })
    await started
    expect(fake.observerCount()).toBe(2)
    expect(s.traced()).toEqual(['i1', 'i2'])
    const client = fake.connectClient({ instance: s.directory()!.instances[0]!, namespace: '/chat', label: 'A', space: 'aaaaaa' })
    await vi.waitFor(() => expect(traces.some((t) => t.kind === 'connect')).toBe(true))
    client.close()
  })

  it('goes offline with the ports, the command and Retry; Retry keeps focus and recovers', async () => {
    const fake = createFakeConnector({ offline: true })
    const { root, main, resets, started } = mount(fake)
    await started
    expect(root.dataset.state).toBe('offline')
    expect(main.hidden).toBe(true)
    const offline = byId(root, 'xx-offline')
    expect(offline.textContent).toContain("The sandbox cluster isn't running (tried localhost:4001-4003)")
    expect(offline.textContent).toContain('npm install && npm start')
    expect(resets).toEqual(['start', 'offline'])

    const retry = byId(root, 'xx-retry')
    retry.focus()
    retry.click()
    // While retrying the button stays where it is (focus kept), busy.
    expect(offline.hidden).toBe(false)
    expect(retry.getAttribute('aria-disabled')).toBe('true')
    await vi.waitFor(() => expect(retry.getAttribute('aria-disabled')).toBe('false'))
    expect(document.activeElement).toBe(retry)

    fake.offline = false
    retry.click()
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    expect(offline.hidden).toBe(true)
    expect(document.activeElement).toBe(main)
  })

  it('goes offline when every instance is down, or when nothing answers in time', async () => {
    const fake = createFakeConnector()
    for (const id of ['i1', 'i2', 'i3']) fake.down.add(id)
    const down = mount(fake)
    await down.started
    expect(down.root.dataset.state).toBe('offline')
    session?.destroy()

    const hanging = createFakeConnector()
    hanging.directory = () => new Promise(() => {})
    const slow = mount(hanging, {}, { connectTimeoutMs: 30 })
    await vi.waitFor(() => expect(slow.root.dataset.state).toBe('offline'))
  })

  it('polls health while visible, pauses while the tab is hidden, and goes offline when all are down', async () => {
    const fake = createFakeConnector()
    const health = vi.spyOn(fake, 'health')
    const { root, started } = mount(fake, {}, { healthIntervalMs: 10 })
    await started
    await vi.waitFor(() => expect(health.mock.calls.length).toBeGreaterThan(6))
    const hidden = vi.spyOn(document, 'hidden', 'get').mockReturnValue(true)
    await new Promise((r) => setTimeout(r, 30))
    const paused = health.mock.calls.length
    await new Promise((r) => setTimeout(r, 50))
    expect(health.mock.calls.length).toBe(paused)
    hidden.mockRestore()
    for (const id of ['i1', 'i2', 'i3']) fake.down.add(id)
    await vi.waitFor(() => expect(root.dataset.state).toBe('offline'))
  })

  it('shows the Redis banner when fan-out is local-only', async () => {
    const { root, started } = mount(createFakeConnector({ fanout: 'local-only' }))
    await started
    const banner = byId(root, 'xx-redis-banner')
    expect(banner.hidden).toBe(false)
    expect(banner.textContent).toContain('Redis is not connected')
    expect(banner.textContent).toContain('REDIS_URL')
  })

  it('restarts in the new space on a space change, dropping the old epoch', async () => {
    const fake = createFakeConnector()
    const ready = vi.fn()
    const { space, resets, started, s } = mount(fake, { ready, trace: () => undefined })
    await started
    const before = s.epoch()
    space.set('bbbbbb')
    expect(s.isCurrent(before)).toBe(false)
    await vi.waitFor(() => expect(ready).toHaveBeenCalledTimes(2))
    expect(resets).toEqual(['start', 'space'])
    expect(fake.observerCount()).toBe(3)
  })

  it('drops stale work: destroyed while connecting never becomes ready', async () => {
    let release: (c: FakeConnector) => void = () => undefined
    const ready = vi.fn()
    const { root, s, resets } = mount(() => new Promise<FakeConnector>((r) => (release = r)), { ready })
    s.destroy()
    release(createFakeConnector())
    await new Promise((r) => setTimeout(r, 20))
    expect(ready).not.toHaveBeenCalled()
    expect(root.dataset.state).toBe('connecting')
    expect(resets).toEqual(['start', 'destroy'])
  })
})

describe('messages', () => {
  it('names the ports tried and, on a real origin, the SANDBOX_ORIGINS hint', () => {
    const dir = { instances: [4001, 4002].map((port, n) => ({ id: `i${n + 1}`, port, base: '' })), fanout: 'redis' as const, fallback: false }
    const text = (nodes: (Node | string)[]) => nodes.map((n) => (typeof n === 'string' ? n : n.textContent)).join('')
    expect(text(offlineMessage(dir, { hostname: 'lab', origin: 'http://lab:4321' }))).toBe(
      "The sandbox cluster isn't running (tried lab:4001-4002). Run npm install && npm start in the project folder, then press Retry." +
        ' If it is running, check that http://lab:4321 is one of its allowed origins (SANDBOX_ORIGINS).')
    expect(text(offlineMessage(null, null))).not.toContain('SANDBOX_ORIGINS')
  })

  it('tells local-only from Redis down', () => {
    const body = { status: 'ok', instance: 'i1', fanout: 'redis', redis: 'ready', sockets: 0, spaces: 0, uptimeSeconds: 1, slotStreams: 0, observers: 0 } as const
    expect(redisTrouble(null, [body])).toBeNull()
    expect(redisTrouble(null, [body, { ...body, redis: 'down' }])).toBe('down')
    expect(redisTrouble(null, [{ ...body, fanout: 'local-only', redis: 'disabled' }])).toBe('local-only')
  })
})
