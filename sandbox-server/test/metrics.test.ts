/**
 * `GET /metrics` on real instances joined through the real Redis: valid Prometheus text (read
 * with a strict parser), counters that move with real traffic and refusals, labels that never
 * carry a space code or a socket id, and the switch that turns it all off.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { startSandboxServer, type SandboxServer } from '../src/index.ts'
import { parseExposition, type Sample } from '../src/metrics/exposition.ts'
import { isSpaceStats } from '../src/protocol/index.ts'
import { deliveryBarrier, eventually, randomSpace, request, useCluster } from './harness.ts'
import { EVIL, raw, SITE } from './security-raw.ts'
import { io as connect } from 'socket.io-client'

const { at, client } = useCluster(2, { allowedOrigins: [SITE], eventsPerSecond: 1, eventBurst: 20 })
const space = randomSpace()

async function scrape(instance: SandboxServer): Promise<Sample[]> {
  const response = await fetch(`${instance.url}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  const text = await response.text()
  expect(text).not.toContain(space)
  return parseExposition(text).samples
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0)

describe('GET /metrics', () => {
  it('counts sockets, events in and out, acks and adapter publishes, labelled by namespace kind', async () => {
    const a = await client(at(0), space, '/chat', 'A')
    const b = await client(at(1), space, '/chat', 'B')
    const c = await client(at(1), space, '/chat', 'C')
    await request(a, 'room:join', { room: 'paris' })
    await request(b, 'room:join', { room: 'paris' })
    await request(c, 'room:join', { room: 'paris' })
    await request(a, 'send', { call: 'socket.to(room).emit', rooms: ['paris'], text: 'hi' })
    await deliveryBarrier(a, [a, b, c])
    const first = await scrape(at(0))
    expect(value(first, 'socketio_connected_sockets', { namespace: 'chat' })).toBe(1)
    expect(value(first, 'socketio_connects_total', { namespace: 'chat' })).toBe(1)
    expect(value(first, 'socketio_events_received_total', { namespace: 'chat' })).toBe(3)
    // hello, and the barrier's io.emit to A itself (socket.to(room) left A out)
    expect(value(first, 'socketio_events_sent_total', { namespace: 'chat' })).toBe(2)
    expect(value(first, 'socketio_ack_duration_seconds_count', { namespace: 'chat' })).toBe(3)
    expect(value(first, 'socketio_ack_duration_seconds_bucket', { namespace: 'chat', le: '0.5' })).toBe(3)
    expect(value(first, 'socketio_adapter_publishes_total', { command: 'spublish' })).toBeGreaterThanOrEqual(2)
    for (const name of ['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(
        first.some((s) => s.name === name),
        name,
      ).toBe(true)
    }
    // GC durations have samples once a GC ran; the family is always declared.
    expect(await (await fetch(`${at(0).url}/metrics`)).text()).toContain('# TYPE nodejs_gc_duration_seconds histogram')
    const second = await scrape(at(1))
    // Per recipient, broadcasts that crossed Redis included: B and C each got hello, "hi" and the barrier.
    expect(value(second, 'socketio_events_sent_total', { namespace: 'chat' })).toBe(6)
    c.socket.disconnect()

    a.socket.disconnect()
    await eventually(async () => {
      const after = await scrape(at(0))
      expect(value(after, 'socketio_connected_sockets', { namespace: 'chat' })).toBe(0)
      expect(value(after, 'socketio_disconnects_total', { namespace: 'chat', reason: 'client namespace disconnect' })).toBe(1)
    })
  })

  it('counts refused handshakes by stage and code, refused and rate-limited events', async () => {
    const before = await scrape(at(0))
    const bad = connect(`${at(0).url}/s/${space}/chat`, { forceNew: true, transports: ['websocket'], auth: {} })
    const refusal = await new Promise<{ data?: { code?: string } }>((resolve) => bad.once('connect_error', resolve))
    bad.disconnect()
    expect(refusal.data?.code).toBe('INVALID_HANDSHAKE')
    const foreign = await raw(`${at(0).url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: EVIL } })
    expect(foreign.status).toBe(403)

    const flooder = await client(at(0), space, '/admin', 'F')
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => request<{ error?: { code: string } }>(flooder, 'room:join', { room: 'x' })),
    )
    const limited = answers.filter((answer) => answer.error?.code === 'RATE_LIMITED').length
    expect(limited).toBeGreaterThanOrEqual(4)

    const after = await scrape(at(0))
    const moved = (name: string, labels: Record<string, string>): number => value(after, name, labels) - value(before, name, labels)
    expect(moved('socketio_rejected_handshakes_total', { stage: 'namespace', code: 'INVALID_HANDSHAKE' })).toBe(1)
    expect(moved('socketio_rejected_handshakes_total', { stage: 'engine', code: 'FORBIDDEN_ORIGIN' })).toBe(1)
    expect(moved('socketio_rate_limited_events_total', { namespace: 'admin' })).toBe(limited)
    expect(moved('socketio_refused_events_total', { namespace: 'admin', code: 'RATE_LIMITED' })).toBe(limited)
  })

  it("GET /s/<space>/stats: the same figures for one space only, for the lab's monitoring panel", async () => {
    const response = await fetch(`${at(0).url}/s/${space}/stats`)
    const stats: unknown = await response.json()
    expect(isSpaceStats(stats), JSON.stringify(stats)).toBe(true)
    if (!isSpaceStats(stats)) return
    // After the tests above: A left, F (admin) is connected; one refused handshake, F's rate-limited events.
    expect(stats).toMatchObject({ instance: 'i1', space, connections: 1, rejectedHandshakes: 1, windowSeconds: 10 })
    expect(stats.rateLimited).toBeGreaterThanOrEqual(4)
    // Rates count whole seconds: the events above show once their second is over.
    await eventually(async () => {
      const later: unknown = await (await fetch(`${at(0).url}/s/${space}/stats`)).json()
      expect(isSpaceStats(later) && later.eventsInPerSecond).toBeGreaterThan(0)
    })
    expect(stats.ackP50Ms).not.toBeNull()
    expect(stats.ackP99Ms ?? 0).toBeGreaterThanOrEqual(stats.ackP50Ms ?? 0)
    expect(stats.instanceTotals.rejectedHandshakes).toBeGreaterThanOrEqual(2)
    // The instance's own figures: every space on it (here, this one and no other).
    expect(stats.instanceTotals.ackP50Ms).not.toBeNull()
    await eventually(async () => {
      const later: unknown = await (await fetch(`${at(0).url}/s/${space}/stats`)).json()
      expect(isSpaceStats(later) && later.instanceTotals.eventsInPerSecond).toBeGreaterThan(0)
    })

    const other = randomSpace()
    const elsewhere = await (await fetch(`${at(0).url}/s/${other}/stats`)).json()
    expect(elsewhere).toMatchObject({ connections: 0, eventsInPerSecond: 0, ackP50Ms: null, rejectedHandshakes: 0, rateLimited: 0 })
    // The instance's connections: the sockets of every space on it, the space's own among them.
    const totalConnections = async (): Promise<number> => {
      const read: unknown = await (await fetch(`${at(0).url}/s/${other}/stats`)).json()
      return isSpaceStats(read) ? read.instanceTotals.connections : -1
    }
    const before = await totalConnections()
    expect(before).toBeGreaterThanOrEqual(stats.connections)
    const g = await client(at(0), other, '/chat', 'G')
    expect(await totalConnections()).toBe(before + 1)
    g.socket.disconnect()
    await eventually(async () => expect(await totalConnections()).toBe(before))
    const bad = await fetch(`${at(0).url}/s/NOT-A-SPACE/stats`)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
  })

  it('refuses a page on a foreign origin, like every route', async () => {
    const response = await raw(`${at(0).url}/metrics`, { headers: { Origin: EVIL } })
    expect(response.status).toBe(403)
  })
})

describe('SANDBOX_METRICS=0', () => {
  let instance: SandboxServer | undefined
  afterAll(() => instance?.close())

  it('has no /metrics route', async () => {
    instance = await startSandboxServer({ port: 0, redisUrl: null, metrics: false, log: () => {} })
    const response = await fetch(`${instance.url}/metrics`)
    expect(response.status).toBe(404)
  })
})
