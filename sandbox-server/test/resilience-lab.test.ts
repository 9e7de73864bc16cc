/**
 * Lesson 5's lab on one real instance with real Redis: a cut longer than
 * `maxDisconnectionDuration` is not recovered; the dedupe store stays bounded and expires;
 * normal position updates are replayed on recovery and volatile ones never are; bad input on
 * every event gets a typed error and the server lives on; Origin is checked on `/resilience/`;
 * the per-space cap holds; a storm cut makes clients reconnect by themselves; a silent peer is
 * reported `peer:gone`; the wire measurement gives figures whose relations are facts.
 */
import { Redis } from 'ioredis'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { isErrorAck } from '../../site/src/sandbox/connector.ts'
import type { ResilienceClient } from '../../site/src/sandbox/resilience-client.ts'
import type { WireResult } from '../src/protocol/index.ts'
import { eventually, randomSpace, SHARED_REDIS_URL, useCluster } from './harness.ts'
import { labPeer, labRefusal, range, rawLabRequest } from './resilience-harness.ts'
import { EVIL, raw, SITE, tryUpgrade } from './security-raw.ts'

const { at } = useCluster(1, {
  allowedOrigins: [SITE],
  resilienceMaxDisconnectionMs: 1_000,
  resiliencePingIntervalMs: 500,
  resiliencePingTimeoutMs: 500,
  resilienceMaxSocketsPerSpace: 8,
  eventsPerSecond: 10_000,
  resilienceEventBurst: 10_000,
  resilienceSpaceEventsPerSecond: 100_000,
  dedupeMaxIds: 1_000,
  dedupeTtlMs: 1_000,
})
const opened: ResilienceClient[] = []
afterEach(() => opened.splice(0).forEach((client) => client.close()))
const redis = new Redis(SHARED_REDIS_URL)
afterAll(() => redis.disconnect())
const figures: Record<string, unknown> = {}
afterAll(() => console.info('resilience lab figures', JSON.stringify(figures)))

describe('recovery limits and volatile events', () => {
  it('a cut longer than maxDisconnectionDuration is not recovered: the missed ids are lost', async () => {
    const space = randomSpace()
    const a = await labPeer(at(0), space, '/streams', 'A', {}, opened)
    const b = await labPeer(at(0), space, '/streams', 'B', {}, opened)
    b.client.cut()
    await eventually(() => expect(b.disconnects).toHaveLength(1))
    for (const seq of range(1, 3)) await a.client.request('lab:send', { seq })
    // The session is kept in Redis for maxDisconnectionDuration; wait until it is gone.
    const sessions = `${at(0).config.keyPrefix}:resilience:session:*`
    await eventually(async () => expect(await redis.keys(sessions)).toEqual([]), 5_000)
    b.client.restore()
    await eventually(() => expect(b.hellos).toHaveLength(2))
    expect(b.client.recovered).toBe(false)
    expect(b.hellos[1]?.recovered).toBe(false)
    expect(b.seqs).toEqual([])
  })

  it('normal position updates missed during a cut are replayed on recovery (a burst); volatile ones never', async () => {
    for (const volatile of [false, true]) {
      const space = randomSpace()
      const watcher = await labPeer(at(0), space, '/streams', 'W', {}, opened)
      const paused = await labPeer(at(0), space, '/streams', 'P', {}, opened)
      paused.client.cut()
      await eventually(() => expect(paused.disconnects).toHaveLength(1))
      expect(await watcher.client.request('lab:positions', { count: 5, everyMs: 20, volatile })).toEqual({ ok: true })
      await eventually(() => expect(watcher.positions.map((p) => p.seq)).toEqual(range(1, 5)))
      paused.client.restore()
      await eventually(() => expect(paused.hellos).toHaveLength(2))
      expect(paused.client.recovered).toBe(true)
      expect(paused.positions.map((p) => p.seq)).toEqual(volatile ? [] : range(1, 5))
      figures[volatile ? 'volatileReplayed' : 'normalReplayed'] = paused.positions.length
    }
  })

  it('one position stream per space at a time', async () => {
    const peer = await labPeer(at(0), randomSpace(), '/pubsub', 'A', {}, opened)
    expect(await peer.client.request('lab:positions', { count: 10, everyMs: 50, volatile: false })).toEqual({ ok: true })
    expect(await peer.client.request('lab:positions', { count: 1, everyMs: 50, volatile: false })).toMatchObject({
      error: { code: 'BUSY' },
    })
  })
})

describe('dedupe store', () => {
  it('10,000 ids keep it at its cap, and ids expire after their ttl', { timeout: 60_000 }, async () => {
    const peer = await labPeer(at(0), randomSpace(), '/pubsub', 'D', {}, opened)
    await peer.client.request('flaky:configure', { dropRate: 0, delayMs: 0, dedupe: true })
    const sizes: number[] = []
    for (let batch = 0; batch < 20; batch++) {
      const ids = range(batch * 500, batch * 500 + 499)
      const answers = await Promise.all(ids.map((seq) => peer.client.request('flaky:work', { messageId: `id-${seq}`, seq })))
      expect(answers.filter(isErrorAck)).toEqual([])
      const report = await peer.client.request('flaky:report', {})
      if (isErrorAck(report)) throw new Error(report.error.message)
      sizes.push(report.dedupeSize)
    }
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1_000)
    await eventually(
      async () => expect(await peer.client.request('flaky:report', {})).toMatchObject({ uniqueIds: 10_000, dedupeSize: 0 }),
      5_000,
    )
    figures.dedupe = { ids: 10_000, maxSize: Math.max(...sizes), cap: 1_000, afterTtl: 0 }
  })
})

describe('bad input', () => {
  const bad: [string, unknown][] = [
    ['lab:send', { seq: -1 }],
    ['lab:send', { seq: 'x' }],
    ['lab:send', {}],
    ['lab:positions', { count: 0, everyMs: 20, volatile: false }],
    ['lab:positions', { count: 101, everyMs: 20, volatile: false }],
    ['lab:positions', { count: 5, everyMs: 5, volatile: false }],
    ['lab:positions', { count: 5, everyMs: 20 }],
    ['flaky:configure', { dropRate: 2, delayMs: 0, dedupe: true }],
    ['flaky:configure', { dropRate: 0, delayMs: 60_000, dedupe: true }],
    ['flaky:work', { messageId: 'a b', seq: 1 }],
    ['flaky:work', { messageId: 'x'.repeat(65), seq: 1 }],
    ['flaky:report', { extra: 1 }],
    ['flaky:reset', 'now'],
    ['storm:cut', { all: true }],
    ['wire:measure', { size: 'huge' }],
  ]

  it('every lab event answers INVALID_PAYLOAD to a bad payload, UNKNOWN_EVENT to an unknown event, and the server lives on', async () => {
    const space = randomSpace()
    const a = await labPeer(at(0), space, '/streams', 'A', {}, opened)
    const b = await labPeer(at(0), space, '/streams', 'B', {}, opened)
    for (const [event, payload] of bad) {
      expect(await rawLabRequest(a.client, event, payload), `${event} ${JSON.stringify(payload)}`).toMatchObject({
        error: { code: 'INVALID_PAYLOAD', message: expect.stringContaining(`${event}: `) },
      })
    }
    expect(await rawLabRequest(a.client, 'room:join', { room: 'x' })).toMatchObject({ error: { code: 'UNKNOWN_EVENT' } })
    expect(await a.client.request('lab:send', { seq: 1 })).toEqual({ ok: true })
    await eventually(() => expect(b.seqs).toEqual([1]))
  })

  it('refuses a bad label, a bad namespace and the main namespace with typed connect errors', async () => {
    const space = randomSpace()
    expect(await labRefusal(at(0), space, '/streams', 'no <b>', opened)).toMatchObject({ code: 'INVALID_HANDSHAKE' })
    const { io } = await import('socket.io-client')
    const main = io(`${at(0).url}/`, { path: '/resilience/', forceNew: true, transports: ['websocket'], reconnection: false })
    const failure = await new Promise<unknown>((resolve) => main.on('connect_error', (err: { data?: unknown }) => resolve(err.data)))
    main.close()
    expect(failure).toMatchObject({ code: 'INVALID_HANDSHAKE' })
  })
})

describe('defences', () => {
  it('checks the Origin of every /resilience/ request: polling and WebSocket', async () => {
    const polling = `${at(0).url}/resilience/?EIO=4&transport=polling`
    expect(await raw(polling, { headers: { Origin: EVIL } })).toEqual({
      status: 403,
      body: JSON.stringify({ code: 4, message: 'FORBIDDEN_ORIGIN' }),
    })
    expect((await raw(polling, { headers: { Origin: SITE } })).status).toBe(200)
    const attempt = await tryUpgrade(`${at(0).url.replace('http', 'ws')}/resilience/?EIO=4&transport=websocket`, { Origin: EVIL })
    if (attempt.open) attempt.ws.terminate()
    expect(attempt).toMatchObject({ open: false, status: 400, body: 'FORBIDDEN_ORIGIN' })
  })

  it('holds the per-space socket cap of the resilience server', async () => {
    const space = randomSpace()
    await Promise.all(range(1, 8).map((n) => labPeer(at(0), space, n % 2 ? '/streams' : '/pubsub', `C${n}`, {}, opened)))
    expect(await labRefusal(at(0), space, '/pubsub', 'C9', opened)).toMatchObject({ code: 'SPACE_FULL' })
  })

  it('a storm cut closes the transports of the space: every client reconnects by itself; a second cut must wait', async () => {
    const space = randomSpace()
    const peers = await Promise.all(range(1, 5).map((n) => labPeer(at(0), space, '/pubsub', `S${n}`, { randomizationFactor: 0 }, opened)))
    const attempts: number[] = []
    peers.forEach((peer) => peer.client.on('reconnect_attempt', ({ attempt }) => attempts.push(attempt)))
    expect(await peers[0]?.client.request('storm:cut', {})).toEqual({ ok: true, cut: 5 })
    await eventually(() => peers.forEach((peer) => expect(peer.hellos).toHaveLength(2)))
    expect(attempts).toHaveLength(5)
    expect(peers.map((peer) => peer.disconnects[0])).toEqual(Array(5).fill('transport close'))
    expect(await peers[0]?.client.request('storm:cut', {})).toMatchObject({
      error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) },
    })
  })

  it('reports a peer that stopped answering the heartbeat to the others: peer:gone after the ping timeout', async () => {
    const space = randomSpace()
    const watcher = await labPeer(at(0), space, '/streams', 'W', {}, opened)
    const dead = await labPeer(at(0), space, '/streams', 'Dead', {}, opened)
    const gone: { label: string; reason: string; silentMs: number }[] = []
    watcher.client.on('peer:gone', (peer) => gone.push(peer))
    dead.client.silence()
    await eventually(() => expect(gone).toHaveLength(1), 5_000)
    expect(gone[0]).toMatchObject({ label: 'Dead', reason: 'ping timeout' })
    // The server hears nothing for at least its pingTimeout before it gives up (a protocol fact).
    expect(gone[0]?.silentMs).toBeGreaterThanOrEqual(at(0).config.resiliencePingTimeoutMs)
    // Back to life with the same socket: `ping timeout` is a recoverable reason.
    dead.client.restore()
    await eventually(() => expect(dead.hellos).toHaveLength(2))
    expect(dead.client.recovered).toBe(true)
    figures.heartbeat = { pingInterval: 500, pingTimeout: 500, silentMs: gone[0]?.silentMs }
  })
})

describe('wire measurement', () => {
  const bytes = (results: WireResult[], format: WireResult['format'], payload: WireResult['payload']): number =>
    results.find((r) => r.format === format && r.payload === payload)?.bytesPerMessage ?? NaN

  it('measures each format on the real loopback wire; one at a time per instance', { timeout: 30_000 }, async () => {
    const [small, large] = await Promise.all(['s', 'l'].map((l) => labPeer(at(0), randomSpace(), '/pubsub', l, {}, opened)))
    const [a, b] = await Promise.all([
      small?.client.request('wire:measure', { size: 'small' }),
      large?.client.request('wire:measure', { size: 'large' }),
    ])
    // Whichever came second found the instance busy.
    expect([a, b].filter((answer) => isErrorAck(answer) && answer.error.code === 'BUSY')).toHaveLength(1)
    const answers = []
    for (const [peer, size] of [
      [small, 'small'],
      [large, 'large'],
    ] as const) {
      const previous = [a, b].find((answer) => answer && !isErrorAck(answer) && answer.size === size)
      const answer = previous ?? (await peer?.client.request('wire:measure', { size }))
      if (!answer || isErrorAck(answer)) throw new Error(`no ${size} measurement`)
      answers.push(answer)
    }
    for (const answer of answers) {
      expect(answer.results).toHaveLength(8)
      for (const result of answer.results) expect(result.bytesPerMessage).toBeGreaterThan(2) // a WebSocket frame header alone is 2
      // A binary attachment travels as raw bytes: it adds less than its base64 text would (4/3 of its size).
      expect(bytes(answer.results, 'json', 'binary') - bytes(answer.results, 'json', 'text')).toBeLessThan((answer.binaryBytes * 4) / 3)
      expect(bytes(answer.results, 'msgpack', 'binary')).toBeLessThan(bytes(answer.results, 'json', 'binary'))
      figures[`wire-${answer.size}`] = { payloadBytes: answer.payloadBytes, binaryBytes: answer.binaryBytes, results: answer.results }
    }
    // Socket.IO's default permessage-deflate keeps its context between messages (ws then ignores the
    // 1024-byte threshold): similar messages compress, small ones too; random bytes do not shrink.
    for (const answer of answers) {
      expect(bytes(answer.results, 'json+deflate', 'text')).toBeLessThan(bytes(answer.results, 'json', 'text') / 2)
      expect(bytes(answer.results, 'json+deflate', 'binary')).toBeGreaterThan(answer.binaryBytes)
    }
  })
})
