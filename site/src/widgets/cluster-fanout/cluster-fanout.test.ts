// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createFakeConnector, type FakeConnector, type FakeConnectorOptions } from '../../sandbox/fake-connector.ts'
import type { RedisTraffic } from '@realtime-workbook/sandbox-server/protocol'
import { createSpaceState } from '../../sandbox/space.ts'
import { mountClusterFanout, type ClusterFanout } from './index.ts'
import { mergeRedisReport, type MergedTraffic } from './redis-panel.ts'
import { parseSid } from './sticky.ts'

const $ = <T extends Element = HTMLElement>(root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as T
const $$ = <T extends Element = HTMLElement>(root: ParentNode, id: string) => [...root.querySelectorAll(`[data-testid="${id}"]`)] as T[]

let widget: ClusterFanout | undefined
afterEach(() => {
  widget?.destroy()
  document.body.replaceChildren()
})

async function setup(options: FakeConnectorOptions = {}, fake: FakeConnector = createFakeConnector(options)) {
  const root = document.createElement('section')
  document.body.append(root)
  widget = mountClusterFanout(root, { connector: fake, fetch: fake.fetch, space: createSpaceState('aaaaaa'), healthIntervalMs: 0, observerWaitMs: 200, stageMs: 0 })
  await vi.waitFor(() => expect(root.dataset.state).not.toBe('connecting'))
  return { root, fake }
}

const lane = (root: HTMLElement, ns: '/with-redis' | '/without-redis') => root.querySelector(`[data-testid="cf-lane"][data-namespace="${ns}"]`) as HTMLElement
const client = (root: HTMLElement, ns: '/with-redis' | '/without-redis', label: string) =>
  lane(root, ns).querySelector(`[data-testid="cf-client"][data-label="${label}"]`) as HTMLElement
const received = (root: HTMLElement, ns: '/with-redis' | '/without-redis', label: string) =>
  $$(client(root, ns, label), 'cf-received-item').map((i) => i.textContent)
const counts = (root: HTMLElement, ns: '/with-redis' | '/without-redis') =>
  $$(lane(root, ns), 'cf-instance-node').map((n) => `${n.getAttribute('data-instance')}:${$(n, 'cf-delivered').textContent}`)
const redisRows = (root: HTMLElement) =>
  $$(root, 'cf-redis-row').map((r) => `${r.dataset.type} ${r.dataset.publishedBy || '?'} -> ${r.dataset.receivedBy}`)

async function ready() {
  const ctx = await setup()
  $(ctx.root, 'cf-setup').click()
  await vi.waitFor(() => expect($$(ctx.root, 'cf-client').filter((c) => c.dataset.status === 'connected')).toHaveLength(6))
  return ctx
}

async function send(root: HTMLElement, from: string, call: string, text: string, extra: { room?: string; target?: string } = {}) {
  $<HTMLSelectElement>(root, 'cf-send-from').value = from
  $(root, 'cf-send-from').dispatchEvent(new Event('change'))
  const radio = $$<HTMLInputElement>(root, 'cf-send-call').find((r) => r.value === call)!
  radio.checked = true
  radio.dispatchEvent(new Event('change'))
  if (extra.room !== undefined) $<HTMLInputElement>(root, 'cf-send-room').value = extra.room
  if (extra.target !== undefined) $<HTMLSelectElement>(root, 'cf-send-target').value = extra.target
  $<HTMLInputElement>(root, 'cf-send-text').value = text
  $(root, 'cf-send-result').textContent = ''
  $(root, 'cf-send').click()
  await vi.waitFor(() => expect($(root, 'cf-send-result').textContent).not.toBe(''))
}

const report = (instance: string, fields: Partial<RedisTraffic> = {}): RedisTraffic & { instance: string } => ({
  instance,
  key: 'k1',
  channel: 'rtwb#/s/aaaaaa/with-redis#',
  type: 'broadcast',
  publishedBy: null,
  rooms: [],
  except: [],
  packetType: 'EVENT',
  event: 'message',
  traceId: 't1',
  bytes: 120,
  subscribed: true,
  ...fields,
})

describe('mergeRedisReport', () => {
  it('merges the instances\u2019 reports of one message by key; the publisher names itself', () => {
    const merged = new Map<string, MergedTraffic>()
    mergeRedisReport(merged, report('i3'))
    mergeRedisReport(merged, report('i1', { publishedBy: 'i1' }))
    const row = mergeRedisReport(merged, report('i2'))
    mergeRedisReport(merged, report('i2')) // a duplicate report changes nothing
    expect(merged.size).toBe(1)
    expect(row).toMatchObject({ publishedBy: 'i1', receivedBy: ['i1', 'i2', 'i3'] })
    mergeRedisReport(merged, report('i1', { key: 'k2', publishedBy: 'emitter' }))
    expect(merged.get('k2')).toMatchObject({ publishedBy: 'emitter', receivedBy: ['i1'] })
    expect(mergeRedisReport(merged, report('i2', { key: 'k3', type: 'response', publishedBy: null })).publishedBy).toBeNull()
    // An instance that hosts none of the namespace's sockets is not subscribed: Redis never sends it the message.
    mergeRedisReport(merged, report('i1', { key: 'k4', publishedBy: 'i1' }))
    mergeRedisReport(merged, report('i3', { key: 'k4', subscribed: false }))
    expect(merged.get('k4')).toMatchObject({ receivedBy: ['i1'] })
  })
})

describe('parseSid', () => {
  it('reads the sid of an Engine.IO v4 handshake body', () => {
    expect(parseSid('0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000}')).toBe('lv_VI97HAXpY6yYWAAAC')
    expect(parseSid('{"code":1,"message":"Session ID unknown"}')).toBeNull()
    expect(parseSid('0{broken')).toBeNull()
  })
})

describe('cluster fan-out widget', () => {
  it('becomes ready with two lanes, then sets up A, B, C on i1, i2, i3 in each lane', async () => {
    const { root, fake } = await ready()
    expect(root.dataset.testid).toBe('cluster-fanout')
    expect(root.dataset.outage).toBe('false')
    expect($$(root, 'cf-lane').map((l) => l.dataset.namespace)).toEqual(['/with-redis', '/without-redis'])
    expect($$(lane(root, '/with-redis'), 'cf-client').map((c) => `${c.dataset.label}@${c.dataset.instance}`)).toEqual(['A@i1', 'B@i2', 'C@i3'])
    expect(fake.sockets().map((s) => `${s.label}${s.namespace}`).sort()).toEqual(
      ['A/with-redis', 'A/without-redis', 'B/with-redis', 'B/without-redis', 'C/with-redis', 'C/without-redis'])
    expect([...$<HTMLSelectElement>(root, 'cf-send-from').options].map((o) => o.value)).toContain('B@/without-redis')
    expect($(root, 'cf-redis-banner').hidden).toBe(true)
  })

  it('adapter ON reaches every instance through one Redis message; adapter OFF stays on the sender\u2019s instance', async () => {
    const { root } = await setup()
    for (const [ns, instance] of [['/with-redis', '1'], ['/with-redis', '1'], ['/with-redis', '2'], ['/without-redis', '1'], ['/without-redis', '1'], ['/without-redis', '2']] as const) {
      $<HTMLSelectElement>(lane(root, ns), 'cf-new-instance').value = instance
      $(lane(root, ns), 'cf-add-client').click()
    }
    await vi.waitFor(() => expect($$(root, 'cf-client').filter((c) => c.dataset.status === 'connected')).toHaveLength(6))

    await send(root, 'A@/without-redis', 'io.emit', 'off')
    await vi.waitFor(() => expect(received(root, '/without-redis', 'B')).toHaveLength(1))
    expect(received(root, '/without-redis', 'A')).toHaveLength(1)
    expect(received(root, '/without-redis', 'C')).toEqual([])
    expect(counts(root, '/without-redis')).toEqual(['i1:2', 'i2:0', 'i3:0'])
    expect(redisRows(root)).toEqual([])

    await send(root, 'A@/with-redis', 'io.emit', 'on')
    await vi.waitFor(() => expect(received(root, '/with-redis', 'C')).toEqual(['io.emit from A: on']))
    expect(received(root, '/with-redis', 'A')).toHaveLength(1)
    expect(received(root, '/with-redis', 'B')).toHaveLength(1)
    // Nobody of this lane is on i3: its adapter is not subscribed, Redis never sends it the message.
    await vi.waitFor(() => expect(redisRows(root)).toEqual(['broadcast i1 -> i1,i2']))
    expect(counts(root, '/with-redis')).toEqual(['i1:2', 'i2:1', 'i3:0'])
    expect($(root, 'cf-redis-row').textContent).toContain('rtwb#/s/aaaaaa/with-redis#')
  })

  it('shows the room channel, and the sender in except by its label', async () => {
    const { root, fake } = await ready()
    const join = async (label: string) => {
      const button = [...client(root, '/with-redis', label).querySelectorAll('button')].find((b) => b.textContent === '+paris')!
      button.click()
      await vi.waitFor(() => expect(client(root, '/with-redis', label).querySelector('.cf-chip')?.textContent).toContain('paris'))
    }
    await join('A')
    await join('B')
    await send(root, 'A@/with-redis', 'socket.to(room).emit', 'bonjour', { room: 'paris' })
    await vi.waitFor(() => expect(received(root, '/with-redis', 'B')).toEqual(['socket.to(room).emit from A: bonjour']))
    await vi.waitFor(() => expect(counts(root, '/with-redis')).toEqual(['i1:0', 'i2:1', 'i3:0']))
    const row = $(root, 'cf-redis-row')
    const a = fake.sockets().find((s) => s.label === 'A' && s.namespace === '/with-redis')!
    expect(row.textContent).toContain('#paris#')
    expect(row.textContent).toContain(`except: A (${a.id})`)
    expect(received(root, '/with-redis', 'C')).toEqual([])
  })

  it('io.to(socketId) reaches one client across instances with the adapter, nobody without', async () => {
    const { root } = await ready()
    await send(root, 'A@/with-redis', 'io.to(socketId).emit', 'just you', { target: 'C' })
    await vi.waitFor(() => expect(received(root, '/with-redis', 'C')).toEqual(['io.to(socketId).emit from A: just you']))
    expect(received(root, '/with-redis', 'B')).toEqual([])
    await vi.waitFor(() => expect(counts(root, '/with-redis')).toEqual(['i1:0', 'i2:0', 'i3:1']))

    await send(root, 'A@/without-redis', 'io.to(socketId).emit', 'lost', { target: 'C' })
    expect($(root, 'cf-send-result').textContent).toContain('Sent')
    await new Promise((r) => setTimeout(r, 20))
    expect(received(root, '/without-redis', 'C')).toEqual([])
  })

  it('fetchSockets and serverSideEmit: the whole cluster with Redis, only the local instance without', async () => {
    const { root } = await ready()
    const on = lane(root, '/with-redis')
    const off = lane(root, '/without-redis')
    $(on, 'cf-fetch-sockets').click()
    await vi.waitFor(() => expect($$(on, 'cf-fetch-result')).toHaveLength(1))
    expect([...$(on, 'cf-fetch-result').querySelectorAll('tr')].slice(1).map((r) => r.children[2]?.textContent)).toEqual(['i1', 'i2', 'i3'])
    await vi.waitFor(() => expect(redisRows(root)).toEqual(expect.arrayContaining(['request i1 -> i1,i2,i3', 'response i2 -> i1,i2,i3', 'response i3 -> i1,i2,i3'])))

    $(off, 'cf-fetch-sockets').click()
    await vi.waitFor(() => expect($$(off, 'cf-fetch-result')).toHaveLength(1))
    expect($(off, 'cf-fetch-result').querySelectorAll('tr')).toHaveLength(2)
    expect(off.textContent).toContain('sees only the local instance')

    $(on, 'cf-server-side-emit').click()
    await vi.waitFor(() => expect($(on, 'cf-sse-result')?.textContent).toContain('answered by i2 (1 local sockets), i3 (1 local sockets); the caller never receives its own'))
    $(off, 'cf-server-side-emit').click()
    await vi.waitFor(() => expect($(off, 'cf-sse-result')?.textContent).toContain('answered by no other instance'))
  })

  it('simulated outage: local delivery only, no Redis traffic, lost messages stay lost after Redis is back', async () => {
    const { root } = await ready()
    const toggle = $(root, 'cf-outage-toggle')
    toggle.click()
    await vi.waitFor(() => expect(root.dataset.outage).toBe('true'))
    expect(toggle.getAttribute('aria-pressed')).toBe('true')
    expect(toggle.textContent).toBe('Redis back')

    await send(root, 'A@/with-redis', 'io.emit', 'during')
    await vi.waitFor(() => expect(received(root, '/with-redis', 'A')).toHaveLength(1))
    await vi.waitFor(() => expect(counts(root, '/with-redis')).toEqual(['i1:1', 'i2:0', 'i3:0']))
    expect(received(root, '/with-redis', 'B')).toEqual([])
    expect(redisRows(root)).toEqual([])
    $(lane(root, '/with-redis'), 'cf-fetch-sockets').click()
    await vi.waitFor(() => expect(lane(root, '/with-redis').textContent).toContain('CLUSTER_TIMEOUT'))
    // Like a publish to an unreachable Redis, the request fails at once: nothing is published.
    await new Promise((r) => setTimeout(r, 20))
    expect(redisRows(root)).toEqual([])
    $(root, 'cf-redis-clear').click()

    toggle.click()
    await vi.waitFor(() => expect(root.dataset.outage).toBe('false'))
    await send(root, 'A@/with-redis', 'io.emit', 'after')
    await vi.waitFor(() => expect(received(root, '/with-redis', 'B')).toEqual(['io.emit from A: after']))
    expect(redisRows(root)).toEqual(['broadcast i1 -> i1,i2,i3'])
  })

  it('the emitter reaches clients on every instance; the Redis row is published by the emitter', async () => {
    const { root } = await ready()
    $<HTMLInputElement>(root, 'cf-send-text').value = 'order shipped'
    $(root, 'cf-emitter').click()
    await vi.waitFor(() => expect($(root, 'cf-emitter-result').textContent).toContain('emitter.of("/with-redis").emit("message", msg)'))
    await vi.waitFor(() => {
      for (const label of ['A', 'B', 'C']) expect(received(root, '/with-redis', label)).toEqual([`emitter.emit from emitter: order shipped`])
    })
    await vi.waitFor(() => expect(redisRows(root)).toEqual(['broadcast emitter -> i1,i2,i3']))
    expect(counts(root, '/with-redis')).toEqual(['i1:1', 'i2:1', 'i3:1'])
    expect(received(root, '/without-redis', 'A')).toEqual([])
  })

  it('disables the emitter with an explanation when the directory has none', async () => {
    const { root } = await setup({ emitter: false })
    expect($<HTMLButtonElement>(root, 'cf-emitter').disabled).toBe(true)
    expect(root.textContent).toContain('No emitter in this cluster')
  })

  it('sticky sessions: 200 on i1, 400 "Session ID unknown" on i2, 200 again on the sticky route', async () => {
    const { root } = await setup()
    $(root, 'cf-sticky-run').click()
    await vi.waitFor(() => expect($$(root, 'cf-sticky-step')).toHaveLength(4))
    await vi.waitFor(() => expect($$(root, 'cf-sticky-step').map((s) => s.dataset.status)).toEqual(['200', '400', '200', '200']))
    const [handshake, wrong] = $$(root, 'cf-sticky-step')
    expect(handshake?.textContent).toContain('GET http://localhost:4001/socket.io/?EIO=4&transport=polling')
    expect(handshake?.textContent).toMatch(/0\{"sid":"/)
    expect(wrong?.textContent).toContain('GET http://localhost:4002/socket.io/?EIO=4&transport=polling&sid=')
    expect(wrong?.textContent).toContain('400 Bad Request {"code":1,"message":"Session ID unknown"}')
  })

  it('redis panel: type filter, pause with a counter, clear', async () => {
    const { root } = await ready()
    $(lane(root, '/with-redis'), 'cf-fetch-sockets').click()
    await vi.waitFor(() => expect($$(root, 'cf-redis-row')).toHaveLength(3))
    const filter = $<HTMLSelectElement>(root, 'cf-redis-filter')
    filter.value = 'response'
    filter.dispatchEvent(new Event('change'))
    expect($$(root, 'cf-redis-row').filter((r) => !r.hidden).map((r) => r.dataset.type)).toEqual(['response', 'response'])
    $(root, 'cf-redis-pause').click()
    await send(root, 'A@/with-redis', 'io.emit', 'x')
    await vi.waitFor(() => expect(root.textContent).toContain('Paused: 3 report(s) waiting'))
    expect($$(root, 'cf-redis-row')).toHaveLength(3)
    $(root, 'cf-redis-pause').click()
    expect($$(root, 'cf-redis-row')).toHaveLength(4)
    $(root, 'cf-redis-clear').click()
    expect($$(root, 'cf-redis-row')).toHaveLength(0)
  })

  it('shows the local-only banner when the cluster has no Redis', async () => {
    const { root } = await setup({ fanout: 'local-only' })
    expect($(root, 'cf-redis-banner').hidden).toBe(false)
    expect($(root, 'cf-redis-banner').textContent).toContain('Redis is not connected')
    expect($<HTMLButtonElement>(root, 'cf-emitter').disabled).toBe(true)
  })

  it('shows the offline state with Retry, then recovers', async () => {
    const fake = createFakeConnector({ offline: true })
    const { root } = await setup({}, fake)
    expect(root.dataset.state).toBe('offline')
    expect($(root, 'cf-offline').textContent).toContain('npm install && npm start')
    fake.offline = false
    $(root, 'cf-retry').click()
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
  })

  it('shows the server’s error acks (validation happens on the server)', async () => {
    const { root } = await ready()
    await send(root, 'A@/with-redis', 'socket.to(room).emit', 'x', { room: 'Not A Room' })
    expect($(root, 'cf-send-result').textContent).toMatch(/^INVALID_PAYLOAD: /)
  })

  it('renders network text as text', async () => {
    const { root } = await ready()
    await send(root, 'A@/with-redis', 'io.emit', '<img src=x onerror="window.pwned=1">')
    await vi.waitFor(() => expect(received(root, '/with-redis', 'B')).toHaveLength(1))
    expect(root.querySelector('img')).toBeNull()
  })

  it('labels every form control', async () => {
    const { root } = await ready()
    for (const control of root.querySelectorAll('input, select')) {
      expect(control.closest('label') || control.getAttribute('aria-label') || (control.id && root.querySelector(`label[for="${control.id}"]`)), control.outerHTML).toBeTruthy()
    }
  })
})
