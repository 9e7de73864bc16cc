/**
 * Lesson 5, with real Redis and two real instances: connection state recovery replays exactly
 * the missed packets on `/streams` (Redis Streams adapter) and none on `/pubsub` (classic
 * adapter), for a receiver on i2 cut while a sender on i1 kept sending; a cut longer than
 * `maxDisconnectionDuration` is not recovered. Then acks, retries and dedupe on the flaky handler.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { ResilienceNamespace } from '../src/protocol/index.ts'
import type { ResilienceClient } from '../../site/src/sandbox/resilience-client.ts'
import { isErrorAck } from '../../site/src/sandbox/connector.ts'
import { eventually, inOneRateWindow, randomSpace, useCluster } from './harness.ts'
import { labPeer, range, type LabPeer } from './resilience-harness.ts'

const { at } = useCluster(2, { resilienceMaxDisconnectionMs: 10_000 })
const opened: ResilienceClient[] = []
afterEach(() => opened.splice(0).forEach((client) => client.close()))
afterAll(() => opened.forEach((client) => client.close()))

/** Replay counts measured by the tests below, printed for the lesson's note. */
const figures: Record<string, unknown> = {}
afterAll(() => console.info('resilience figures', JSON.stringify(figures)))

async function send(peer: LabPeer, seqs: number[]): Promise<void> {
  for (const seq of seqs) {
    const ack = await peer.client.request('lab:send', { seq })
    expect(ack).toEqual({ ok: true })
  }
}

/**
 * Sender A on i1; receiver B and witness W on i2 (W is never cut: once W has a message, i2 has
 * read it from Redis, so nothing B missed is still in flight). B is cut while A sends 4-8.
 */
async function cutScenario(namespace: ResilienceNamespace) {
  const space = randomSpace()
  const a = await labPeer(at(0), space, namespace, 'A', {}, opened)
  const b = await labPeer(at(1), space, namespace, 'B', {}, opened)
  const w = await labPeer(at(1), space, namespace, 'W', {}, opened)
  await send(a, range(1, 3))
  await eventually(() => expect(b.seqs).toEqual(range(1, 3)))
  b.client.cut()
  await eventually(() => expect(b.disconnects).toHaveLength(1))
  await send(a, range(4, 8))
  await eventually(() => expect(w.seqs).toEqual(range(1, 8)))
  const before = b.seqs.length
  b.client.restore()
  await eventually(() => expect(b.hellos).toHaveLength(2))
  const replayed = b.seqs.slice(before)
  await send(a, [9])
  await eventually(() => expect(w.seqs).toContain(9))
  await eventually(() => expect(b.seqs).toContain(9))
  return { b, replayed, recovered: b.client.recovered, hello: b.hellos[1] }
}

describe('connection state recovery across two instances', () => {
  it('/streams replays exactly the missed packets: recovered, ids missed == ids replayed', async () => {
    const { b, replayed, recovered, hello } = await cutScenario('/streams')
    expect(recovered).toBe(true)
    expect(hello).toMatchObject({ recovered: true, id: b.hellos[0]?.id })
    expect(replayed).toEqual(range(4, 8))
    expect(b.seqs).toEqual(range(1, 9))
    figures.streams = { missed: 5, replayed: replayed.length, recovered }
  })

  it('/pubsub recovers nothing: not recovered, the missed ids are lost', async () => {
    const { b, replayed, recovered, hello } = await cutScenario('/pubsub')
    expect(recovered).toBe(false)
    expect(hello).toMatchObject({ recovered: false })
    expect(hello?.id).not.toBe(b.hellos[0]?.id)
    expect(replayed).toEqual([])
    expect(b.seqs).toEqual([1, 2, 3, 9])
    figures.pubsub = { missed: 5, replayed: replayed.length, lost: 5, recovered }
  })
})

describe('acks, retries and idempotency (flaky handler)', () => {
  it(
    'with retries and dedupe, each message reaches the handler exactly once despite drops and slow acks',
    { timeout: 40_000 },
    async () => {
      const space = randomSpace()
      const peer = await labPeer(at(0), space, '/streams', 'R', { retries: 10, ackTimeout: 100 }, opened)
      expect(await peer.client.request('flaky:configure', { dropRate: 0.2, delayMs: 150, dedupe: true })).toMatchObject({ ok: true })
      const answers = await Promise.all(range(1, 20).map((seq) => peer.client.request('flaky:work', { messageId: `m-${seq}`, seq }, 100)))
      const report = await peer.client.request('flaky:report', {})
      if (isErrorAck(report)) throw new Error(report.error.message)
      expect(answers.filter(isErrorAck)).toEqual([])
      expect(report.uniqueIds).toBe(20)
      expect(report.handled).toBe(20)
      expect(report.duplicateEffects).toBe(0)
      expect(report.received).toBeGreaterThan(20)
      figures.dedupe = { messages: 20, received: report.received, dropped: report.dropped, handled: report.handled, duplicates: 0 }
    },
  )

  it('with retries and no dedupe, a slow handler runs retried messages again (duplicates > 0)', { timeout: 30_000 }, async () => {
    const space = randomSpace()
    const peer = await labPeer(at(0), space, '/pubsub', 'R', { retries: 3, ackTimeout: 100 }, opened)
    await peer.client.request('flaky:configure', { dropRate: 0, delayMs: 150, dedupe: false })
    const answers = await Promise.all(range(1, 10).map((seq) => peer.client.request('flaky:work', { messageId: `m-${seq}`, seq }, 100)))
    // Every try outlived its ack timeout: the client gave up on each, yet the handler ran each several times.
    expect(answers.filter(isErrorAck).map((answer) => answer.error.code)).toEqual(Array(10).fill('TIMEOUT'))
    await eventually(async () => {
      const report = await peer.client.request('flaky:report', {})
      if (isErrorAck(report)) throw new Error(report.error.message)
      expect(report).toMatchObject({ received: 40, handled: 40, uniqueIds: 10, duplicateEffects: 30 })
    })
    figures.noDedupe = { messages: 10, tries: 4, handled: 40, duplicates: 30 }
  })
})

describe('rate limits of the lab', () => {
  it('one socket: its bucket; the lab sockets of one space on two instances: one budget in Redis', async () => {
    const flood = async (peer: LabPeer, count: number) => {
      const answers = await Promise.all(range(1, count).map((seq) => peer.client.request('lab:send', { seq })))
      return answers.filter(isErrorAck).map((answer) => answer.error)
    }
    const { resilienceEventBurst, resilienceSpaceEventsPerSecond } = at(0).config
    const alone = await labPeer(at(0), randomSpace(), '/pubsub', 'F', {}, opened)
    const refusedAlone = await flood(alone, resilienceEventBurst + 20)
    expect(refusedAlone.length).toBeGreaterThan(0)
    expect(refusedAlone.every((error) => error.code === 'RATE_LIMITED')).toBe(true)
    // Two sockets, each within its own burst, together beyond the space's budget per second.
    const space = randomSpace()
    const each = Math.ceil(resilienceSpaceEventsPerSecond * 0.6)
    expect(each).toBeLessThanOrEqual(resilienceEventBurst)
    const [a, b] = await Promise.all([labPeer(at(0), space, '/pubsub', 'A', {}, opened), labPeer(at(1), space, '/pubsub', 'B', {}, opened)])
    if (!a || !b) throw new Error('no peers')
    const floodBoth = async () => (await Promise.all([flood(a, each), flood(b, each)])).flat()
    const { result: refused, consumed } = await inOneRateWindow(`${at(0).config.keyPrefix}:rl:lab:${space}`, floodBoth)
    expect(consumed).toBe(2 * each)
    expect(refused).toHaveLength(2 * each - resilienceSpaceEventsPerSecond)
    expect(refused.every((error) => error.code === 'RATE_LIMITED' && 'retryAfterMs' in error)).toBe(true)
  })
})
