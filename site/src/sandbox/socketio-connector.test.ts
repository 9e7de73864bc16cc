import { describe, expect, it, vi } from 'vitest'
import { createSocketIoConnector } from './socketio-connector.ts'

const loc = { protocol: 'http:', hostname: 'classroom.lan', origin: 'http://classroom.lan:4321' }

/** A stand-in for socket.io-client's Socket: records handlers and emits. */
function fakeIo() {
  const sockets: { uri: string; opts: unknown; handlers: Map<string, (d: unknown) => void>; emits: unknown[][]; active: boolean; disconnect: () => void }[] = []
  const io = vi.fn((uri: string, opts: unknown) => {
    const s = {
      uri,
      opts,
      handlers: new Map<string, (d: unknown) => void>(),
      emits: [] as unknown[][],
      active: true,
      on(event: string, fn: (d: unknown) => void) {
        s.handlers.set(event, fn)
        return s
      },
      timeout(ms: number) {
        return { emit: (...args: unknown[]) => s.emits.push([ms, ...args]) }
      },
      disconnect: vi.fn(),
    }
    sockets.push(s)
    return s
  })
  return { io: io as never, sockets }
}

const json = (status: number, body: unknown) =>
  Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }))

describe('socket.io connector', () => {
  it('reads /sandbox.json and builds instance URLs from the page host', async () => {
    const fetch = vi.fn(() => json(200, { instances: [{ id: 'i1', port: 5001 }], fanout: 'local-only' }))
    const c = createSocketIoConnector(fakeIo().io, { location: loc, fetch })
    expect(await c.directory()).toEqual({
      instances: [{ id: 'i1', port: 5001, base: 'http://classroom.lan:5001' }],
      fanout: 'local-only',
      fallback: false,
    })
    expect(fetch).toHaveBeenCalledWith('http://classroom.lan:4321/sandbox.json', expect.anything())
  })

  it('lists the Redis emitter when the directory has one', async () => {
    const fetch = () => json(200, { instances: [{ id: 'i1', port: 5001 }], emitter: { port: 5004 }, fanout: 'redis' })
    const c = createSocketIoConnector(fakeIo().io, { location: loc, fetch })
    expect((await c.directory()).emitter).toEqual({ port: 5004, base: 'http://classroom.lan:5004' })
  })

  it('falls back to ports 4001-4003 when /sandbox.json is missing', async () => {
    const c = createSocketIoConnector(fakeIo().io, { location: loc, fetch: () => json(404, {}) })
    const dir = await c.directory()
    expect(dir.fallback).toBe(true)
    expect(dir.instances.map((i) => `${i.id}@${i.base}`)).toEqual([
      'i1@http://classroom.lan:4001',
      'i2@http://classroom.lan:4002',
      'i3@http://classroom.lan:4003',
    ])
  })

  it('falls back, saying why, when /sandbox.json is malformed', async () => {
    const fetch = () => json(200, { instances: [{ id: 1, port: 5001 }], fanout: 'redis' })
    const dir = await createSocketIoConnector(fakeIo().io, { location: loc, fetch }).directory()
    expect(dir.fallback).toBe(true)
    expect(dir.fallbackReason).toContain('/sandbox.json.instances[0].id: unexpected value')
    const empty = () => json(200, { instances: [], fanout: 'redis' })
    expect(await createSocketIoConnector(fakeIo().io, { location: loc, fetch: empty }).directory()).toMatchObject({ fallback: true, fallbackReason: expect.stringContaining('no instances') })
  })

  it('rejects health when the instance answers an error', async () => {
    const c = createSocketIoConnector(fakeIo().io, { location: loc, fetch: () => json(500, {}) })
    await expect(c.health({ id: 'i1', port: 4001, base: 'http://x:4001' })).rejects.toThrow(/500/)
  })

  it('returns a checked /healthz answer, and rejects a malformed one with BAD_ANSWER', async () => {
    const health = { status: 'ok', instance: 'i1', fanout: 'redis', redis: 'ready', sockets: 2, spaces: 1, uptimeSeconds: 9, slotStreams: 0, observers: 0 }
    const instance = { id: 'i1', port: 4001, base: 'http://x:4001' }
    expect(await createSocketIoConnector(fakeIo().io, { location: loc, fetch: () => json(200, health) }).health(instance)).toEqual(health)
    const bad = createSocketIoConnector(fakeIo().io, { location: loc, fetch: () => json(200, { ...health, redis: 'fine' }) })
    await expect(bad.health(instance)).rejects.toMatchObject({ code: 'BAD_ANSWER', message: expect.stringContaining('/healthz.redis: unexpected value') })
  })

  it('opens one forced connection per client on the space namespace and maps acks, timeouts and connect errors', async () => {
    const { io, sockets } = fakeIo()
    const c = createSocketIoConnector(io, { location: loc, fetch: () => json(404, {}) })
    const instance = { id: 'i2', port: 4002, base: 'http://classroom.lan:4002' }
    const client = c.connectClient({ instance, namespace: '/admin', label: 'A', space: 'k7q2mx' })
    const s = sockets[0]!
    expect(s.uri).toBe('http://classroom.lan:4002/s/k7q2mx/admin')
    expect(s.opts).toEqual({ forceNew: true, auth: { label: 'A' } })

    const failures: unknown[] = []
    client.on('connect_error', (f) => failures.push(f))
    s.handlers.get('connect_error')!(Object.assign(new Error('rejected'), { data: { code: 'SPACE_FULL', message: 'full' } }))
    s.handlers.get('connect_error')!(new Error('xhr poll error'))
    s.handlers.get('connect_error')!(Object.assign(new Error('odd'), { data: { code: 'NOT_A_CODE', message: 'x' } }))
    expect(failures).toEqual([
      { code: 'SPACE_FULL', message: 'full' },
      { code: 'CONNECT_FAILED', message: 'xhr poll error' },
      { code: 'CONNECT_FAILED', message: 'odd' },
    ])

    const ok = client.request('room:join', { room: 'paris' }, 1234)
    const [ms, event, payload, ack] = s.emits[0] as [number, string, unknown, (err: unknown, a?: unknown) => void]
    expect([ms, event, payload]).toEqual([1234, 'room:join', { room: 'paris' }])
    ack(null, { ok: true, rooms: ['paris'] })
    expect(await ok).toEqual({ ok: true, rooms: ['paris'] })

    const late = client.request('send', { call: 'io.emit', rooms: [], text: 'x' })
    ;(s.emits[1] as [number, string, unknown, (err: unknown) => void])[3](new Error('operation has timed out'))
    expect(await late).toMatchObject({ error: { code: 'TIMEOUT' } })

    const odd = client.request('room:join', { room: 'lyon' })
    ;(s.emits[2] as [number, string, unknown, (err: unknown, a?: unknown) => void])[3](null, { ok: true, rooms: 'lyon' })
    expect(await odd).toEqual({ error: { code: 'BAD_ANSWER', message: 'room:join answer.rooms: unexpected value' } })

    s.active = false
    expect(await client.request('room:leave', { room: 'paris' })).toMatchObject({ error: { code: 'DISCONNECTED' } })
    client.close()
    expect(s.disconnect).toHaveBeenCalled()
  })

  it('relays checked server events, and reports a malformed one as a BAD_ANSWER sandbox:error', () => {
    const { io, sockets } = fakeIo()
    const c = createSocketIoConnector(io, { location: loc })
    const client = c.connectClient({ instance: { id: 'i1', port: 4001, base: 'http://h:4001' }, namespace: '/chat', label: 'A', space: 'k7q2mx' })
    const seen: unknown[] = []
    client.on('message', (m) => seen.push(m))
    client.on('sandbox:error', (e) => seen.push(e))
    const message = { traceId: 't', call: 'io.emit', from: 'B', text: 'hi', rooms: [] }
    sockets[0]!.handlers.get('message')!(message)
    sockets[0]!.handlers.get('message')!({ ...message, text: 42 })
    sockets[0]!.handlers.get('sandbox:error')!({ code: 'RATE_LIMITED', message: 'slow down' })
    expect(seen).toEqual([
      message,
      { code: 'BAD_ANSWER', message: 'message.text: unexpected value' },
      { code: 'RATE_LIMITED', message: 'slow down' },
    ])

    const observer = c.observe({ instance: { id: 'i1', port: 4001, base: 'http://h:4001' }, space: 'k7q2mx' })
    const traces: unknown[] = []
    observer.on('trace', (t) => traces.push(t))
    observer.on('sandbox:error', (e) => traces.push(e.code))
    const trace = { kind: 'outage', at: 1, instance: 'i1', namespace: '/with-redis', down: true }
    sockets[1]!.handlers.get('trace')!(trace)
    sockets[1]!.handlers.get('trace')!({ ...trace, down: 'yes' })
    expect(traces).toEqual([trace, 'BAD_ANSWER'])
  })

  it('opens observers on /observe with the space', () => {
    const { io, sockets } = fakeIo()
    const c = createSocketIoConnector(io, { location: loc })
    c.observe({ instance: { id: 'i1', port: 4001, base: 'http://h:4001' }, space: 'k7q2mx' })
    expect(sockets[0]).toMatchObject({ uri: 'http://h:4001/observe', opts: { forceNew: true, auth: { space: 'k7q2mx' } } })
  })

  it('asks an observer to simulate a Redis outage, with an ack', async () => {
    const { io, sockets } = fakeIo()
    const c = createSocketIoConnector(io, { location: loc })
    const observer = c.observe({ instance: { id: 'i1', port: 4001, base: 'http://h:4001' }, space: 'k7q2mx' })
    const s = sockets[0]! as (typeof sockets)[number] & { connected?: boolean }
    expect(await observer.simulateOutage(true)).toMatchObject({ error: { code: 'DISCONNECTED' } })
    s.connected = true
    const answer = observer.simulateOutage(true, 2000)
    const [ms, event, payload, ack] = s.emits[0] as [number, string, unknown, (err: unknown, a?: unknown) => void]
    expect([ms, event, payload]).toEqual([2000, 'redis:simulate-outage', { down: true }])
    ack(null, { ok: true, down: true })
    expect(await answer).toEqual({ ok: true, down: true })
  })
})
