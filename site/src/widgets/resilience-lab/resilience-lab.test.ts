// @vitest-environment happy-dom
/**
 * The resilience lab against the in-memory fakes (the sandbox connector for the session, the
 * resilience fake for the lab's sockets), with fake timers: every experiment runs at its real
 * durations in a few milliseconds, and each result must be the one lesson 5 predicts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createFakeConnector } from '../../sandbox/fake-connector.ts'
import { createFakeResilience, type FakeResilience } from '../../sandbox/fake-resilience.ts'
import { createSpaceState } from '../../sandbox/space.ts'
import { EXPERIMENTS, mountResilienceLab, type ResilienceLab } from './index.ts'
// Loaded on a click in the page; loaded here first, so fake timers never wait on a module import.
import './on-demand-heartbeat.ts'
import './on-demand-storm.ts'
import './on-demand-volatile.ts'
import './on-demand-wire.ts'
import { seeded } from '../../../../tests/support/seeded.ts'

const $ = <T extends Element = HTMLElement>(root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as T

let widget: ResilienceLab | undefined
let lab: FakeResilience
beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  widget?.destroy()
  document.body.replaceChildren()
  vi.useRealTimers()
})

async function setup(random = seeded(42)) {
  const root = document.createElement('section')
  document.body.append(root)
  lab = createFakeResilience({ random })
  widget = mountResilienceLab(root, { connector: createFakeConnector(), lab, space: createSpaceState('aaaaaa'), healthIntervalMs: 0 })
  await vi.waitFor(async () => {
    await vi.advanceTimersByTimeAsync(50)
    expect(root.dataset.state).toBe('ready')
  })
  return root
}

/** Clicks Run and moves time until the card is done (or failed); returns the card. */
async function run(root: HTMLElement, id: string, limitMs = 120_000): Promise<HTMLElement> {
  $(root, `rl-run-${id}`).click()
  const card = $(root, `rl-exp-${id}`)
  for (let t = 0; t < limitMs && card.dataset.state === 'running'; t += 100) await vi.advanceTimersByTimeAsync(100)
  expect(card.dataset.state).toBe('done')
  return card
}

describe('resilience lab', () => {
  it('shows the six experiments, each with a Run button', async () => {
    const root = await setup()
    expect(EXPERIMENTS.map((e) => $(root, `rl-exp-${e.id}`).querySelector('h4')?.textContent)).toEqual([
      'Lost or recovered',
      'Acks, timeouts, retries, idempotency',
      'Reconnection storm',
      'Volatile events and slow consumers',
      'What goes on the wire',
      'Heartbeat',
    ])
  })

  it('recovers the missed ids on the Streams side and loses them on pub/sub', async () => {
    const root = await setup()
    const card = await run(root, 'recovery')
    expect(card.dataset.streamsRecovered).toBe('true')
    expect(card.dataset.streamsSameId).toBe('true')
    expect(card.dataset.pubsubRecovered).toBe('false')
    expect(card.dataset.pubsubSameId).toBe('false')
    expect(Number(card.dataset.streamsMissed)).toBeGreaterThan(5)
    expect(card.dataset.streamsReplayed).toBe(card.dataset.streamsMissed)
    expect(card.dataset.streamsLost).toBe('0')
    expect(card.dataset.pubsubReplayed).toBe('0')
    expect(card.dataset.pubsubLost).toBe(card.dataset.pubsubMissed)
    expect(lab.open()).toBe(0)
  })

  it('does not recover a cut longer than maxDisconnectionDuration', async () => {
    const root = await setup()
    const input = $(root, 'rl-cut-seconds') as HTMLInputElement
    input.value = '12'
    const card = await run(root, 'recovery')
    expect(card.dataset.streamsRecovered).toBe('false')
    expect(card.dataset.streamsReplayed).toBe('0')
    expect(Number(card.dataset.streamsLost)).toBeGreaterThan(0)
    expect($(root, 'rl-recovery-window').textContent).toContain('no recovery')
  })

  it('acks: a fast handler loses the dropped messages without retries and none with them', async () => {
    const root = await setup()
    const card = await run(root, 'acks')
    // Defaults: drop 20 %, handler 100 ms, ackTimeout 300 ms.
    expect(Number(card.dataset.onceFailed)).toBeGreaterThan(0)
    expect(Number(card.dataset.onceFailed)).toBeLessThan(25)
    expect(Number(card.dataset.retriesDelivered)).toBeGreaterThanOrEqual(48)
    expect(card.dataset.retriesDuplicates).toBe('0')
    expect($(root, 'rl-acks-table').querySelectorAll('tbody tr')).toHaveLength(8)
    expect($(root, 'rl-acks-table').querySelectorAll('thead th')).toHaveLength(4)
  })

  it('acks: a handler slower than ackTimeout duplicates effects under retries; dedupe runs each id once', async () => {
    const root = await setup()
    ;($(root, 'rl-delay') as HTMLInputElement).value = '400'
    const card = await run(root, 'acks')
    expect(card.dataset.onceDelivered).toBe('0')
    expect(card.dataset.onceFailed).toBe('50')
    expect(Number(card.dataset.onceHandled)).toBeGreaterThan(0) // timed out, yet the effect ran
    expect(Number(card.dataset.retriesDuplicates)).toBeGreaterThan(0)
    expect(card.dataset.dedupeDuplicates).toBe('0')
    expect(Number(card.dataset.dedupeDedupeHits)).toBeGreaterThan(40)
    // Each id ran once (a message whose every try was dropped never ran); a client may still give
    // up on a message that ran when all but its first try were dropped (no ack ever reached it).
    expect(Number(card.dataset.dedupeHandled)).toBeGreaterThanOrEqual(48)
    expect(Number(card.dataset.dedupeDelivered)).toBeGreaterThanOrEqual(45)
  })

  it('flattens the reconnection storm with jitter and spikes it without', async () => {
    const root = await setup()
    const card = await run(root, 'storm')
    expect(card.dataset.flatPeak).toBe('30')
    expect(Number(card.dataset.jitterPeak)).toBeLessThan(15)
    expect(card.dataset.jitterAttempts).toBe('30')
    expect($(root, 'rl-storm-back-flat').textContent).toMatch(/s$/)
  })

  it('replays missed normal positions as a burst on resume, never volatile ones', async () => {
    const root = await setup()
    const card = await run(root, 'volatile')
    expect(Number(card.dataset.normalBurst)).toBeGreaterThan(10)
    expect(card.dataset.normalNever).toBe('0')
    expect(card.dataset.volatileBurst).toBe('0')
    expect(Number(card.dataset.volatileNever)).toBeGreaterThan(10)
  })

  it('tabulates bytes per message per format', async () => {
    const root = await setup()
    const card = await run(root, 'wire')
    expect($(root, 'rl-wire-table').querySelectorAll('tbody tr')).toHaveLength(4)
    expect(Number(card.dataset.bytesMsgpackText)).toBeLessThan(Number(card.dataset.bytesJsonText))
  })

  it('measures how long a dead peer takes to be noticed', async () => {
    const root = await setup()
    const card = await run(root, 'heartbeat')
    const noticed = Number(card.dataset.noticedMs)
    expect(noticed).toBeGreaterThanOrEqual(Number(card.dataset.pingTimeout))
    expect(noticed).toBeLessThanOrEqual(Number(card.dataset.pingInterval) + Number(card.dataset.pingTimeout) + 50)
    expect($(root, 'rl-gone-reason').textContent).toBe('ping timeout')
    // Silent 2 s after connecting: the next ping goes at 5 s, unanswered by 9 s: 7 s unnoticed.
    expect(noticed).toBeGreaterThan(6_900)
    expect(noticed).toBeLessThan(7_100)
  })
})
