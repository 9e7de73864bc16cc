/**
 * Lesson 5's resilience lab in a real browser against the real cluster: each experiment runs on
 * the learner's own space and shows what the lesson predicts (recovery replays exactly the missed
 * ids on the Streams side and loses them on pub/sub; retries without dedupe duplicate effects,
 * with dedupe every id runs once; jitter flattens the reconnection storm; volatile positions are
 * never replayed; bytes per format; a dead peer is noticed within pingInterval + pingTimeout).
 * The page holds lesson 5's own JS budget (36 KB gzip, the lab's chunk included; on-demand runs
 * apart). With `LAB_SHOTS=<dir>` it also saves the lab at 1280 and 390 px, light and dark.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { expectWithinBudget, startBrowserFixture, type BrowserFixture } from './fixture.ts'

/** Lesson 5's page, widget chunk included, on-demand chunks apart (gzip bytes). */
const LESSON_5_JS_BUDGET = 36_000
const LESSON = '/lessons/best-practices/'

let fixture: BrowserFixture
let page: Page

beforeAll(async () => {
  fixture = await startBrowserFixture()
  page = await fixture.newPage()
  await page.goto(`${fixture.workbook.siteUrl}${LESSON}`)
  await page.getByTestId('resilience-lab').scrollIntoViewIfNeeded()
  await page.waitForSelector('[data-testid="resilience-lab"][data-state="ready"]', { timeout: 20_000 })
})
afterAll(async () => {
  await fixture?.close()
})

/** Runs one experiment; resolves with its card's figures (`data-*`). */
async function run(id: string, timeout = 60_000): Promise<Record<string, string>> {
  await page.getByTestId(`rl-run-${id}`).click()
  const card = page.getByTestId(`rl-exp-${id}`)
  await expect.poll(() => card.getAttribute('data-state'), { timeout }).not.toBe('running')
  const figures = await card.evaluate((el: HTMLElement) => ({ ...el.dataset }) as Record<string, string>)
  if (figures.state !== 'done') throw new Error(`${id}: ${await page.getByTestId(`rl-result-${id}`).textContent()}`)
  // The figures, for the lesson's notes (replay counts, bytes per format, ...).
  console.log(`${id}: ${JSON.stringify(Object.fromEntries(Object.entries(figures).filter(([key]) => !['testid', 'state'].includes(key))))}`)
  return figures
}
const n = (value: string | undefined): number => Number(value ?? NaN)

describe('lesson 5 page', () => {
  it('holds the budgets: 36 KB of JS with the lab, its heavy runs on demand', () => {
    const assets = expectWithinBudget('lessons/best-practices/index.html', LESSON_5_JS_BUDGET)
    expect(assets.files.filter((f) => /on-demand-(storm|volatile|wire|heartbeat)/.test(f.path)).every((f) => f.onDemand)).toBe(true)
  })
})

describe('resilience lab', () => {
  it('does not recover a cut longer than maxDisconnectionDuration', async () => {
    await page.getByTestId('rl-cut-seconds').fill('12')
    const f = await run('recovery', 90_000)
    expect(f.streamsRecovered).toBe('false')
    expect(f.streamsReplayed).toBe('0')
    expect(n(f.streamsLost)).toBeGreaterThan(0)
  })

  it('recovers exactly the missed ids on the Streams side; pub/sub loses them', async () => {
    // After the long cut, so the screenshots show a recovery.
    await page.getByTestId('rl-cut-seconds').fill('2')
    const f = await run('recovery')
    expect(f.streamsRecovered).toBe('true')
    expect(f.streamsSameId).toBe('true')
    expect(n(f.streamsMissed)).toBeGreaterThan(0)
    expect(f.streamsReplayed).toBe(f.streamsMissed)
    expect(f.streamsLost).toBe('0')
    expect(f.pubsubRecovered).toBe('false')
    expect(f.pubsubReplayed).toBe('0')
    expect(n(f.pubsubLost)).toBeGreaterThan(0)
    expect(f.pubsubLost).toBe(f.pubsubMissed)
  })

  it('acks, fast handler: without retries the dropped messages fail; with retries almost none', async () => {
    const f = await run('acks', 90_000)
    // Defaults: drop 20 %, handler 100 ms, ackTimeout 300 ms.
    expect(n(f.onceFailed)).toBeGreaterThan(0)
    expect(n(f.onceFailed)).toBeLessThan(25)
    expect(n(f.retriesDelivered)).toBeGreaterThanOrEqual(45)
    expect(f.retriesDuplicates).toBe('0')
  })

  it('acks, handler slower than ackTimeout: retries duplicate effects, dedupe runs each id once', async () => {
    await page.getByTestId('rl-delay').fill('400')
    const f = await run('acks', 90_000)
    expect(f.onceDelivered).toBe('0')
    expect(n(f.onceHandled)).toBeGreaterThan(0)
    expect(n(f.retriesDuplicates)).toBeGreaterThan(0)
    expect(f.dedupeDuplicates).toBe('0')
    expect(n(f.dedupeDedupeHits)).toBeGreaterThan(0)
    expect(n(f.dedupeHandled)).toBeLessThanOrEqual(50)
    expect(n(f.dedupeDelivered)).toBeGreaterThan(40)
  })

  it('the reconnection storm peaks without jitter', async () => {
    const f = await run('storm')
    expect(n(f.jitterAttempts)).toBeGreaterThanOrEqual(25)
    expect(n(f.flatPeak)).toBeGreaterThan(n(f.jitterPeak))
    // Without jitter the attempts fall within a few ms of each other (one bar, or two when they
    // straddle a 100 ms boundary); with it they spread over about a second.
    expect(n(f.flatSpreadMs)).toBeLessThan(n(f.jitterSpreadMs) / 2)
  })

  it('replays missed normal positions as a burst, never volatile ones', async () => {
    const f = await run('volatile')
    // The lesson's point: what was missed comes back as a burst for normal positions, and volatile
    // ones are simply gone. One position at the edge of the reconnection may fall either way on a
    // busy machine (seen twice in CI runs, 2026-11-30, before the run followed the stream rather
    // than the clock: on-demand-volatile.ts), so the test allows one and checks the contrast.
    expect(n(f.normalBurst)).toBeGreaterThanOrEqual(5)
    expect(n(f.normalNever)).toBeLessThanOrEqual(1)
    expect(n(f.volatileBurst)).toBeLessThanOrEqual(1)
    expect(n(f.volatileNever)).toBeGreaterThanOrEqual(5)
  })

  it('measures bytes per message per wire format', async () => {
    // The instance gives up a measurement that takes over 5 s (a loaded machine): one more try after the cooldown.
    const f = await run('wire').catch(async () => {
      await page.waitForTimeout(11_000)
      return run('wire')
    })
    expect(await page.getByTestId('rl-wire-table').locator('tbody tr').count()).toBeGreaterThanOrEqual(2)
    expect(n(f.bytesJsonText)).toBeGreaterThan(0)
    expect(n(f.bytesMsgpackText)).toBeGreaterThan(0)
  })

  it('notices a dead peer within pingInterval + pingTimeout', async () => {
    const f = await run('heartbeat', 30_000)
    expect(n(f.noticedMs)).toBeGreaterThanOrEqual(n(f.pingTimeout) - 100)
    expect(n(f.noticedMs)).toBeLessThanOrEqual(n(f.pingInterval) + n(f.pingTimeout) + 1000)
    expect(await page.getByTestId('rl-gone-reason').textContent()).toBe('ping timeout')
  })

  it('shows results as text, keyboard-usable, at 1280 and 390 px, light and dark', async () => {
    const lab = page.getByTestId('resilience-lab')
    expect(await lab.locator('img, script').count()).toBe(0)
    await page.getByTestId('rl-run-wire').focus()
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('rl-run-wire')
    const shots = process.env.LAB_SHOTS
    // Starlight's sticky header and phone "On this page" bar would cover part of an element screenshot.
    await page.addStyleTag({ content: '.header { position: absolute !important; } mobile-starlight-toc { display: none !important; }' })
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((value) => (document.documentElement.dataset.theme = value), theme)
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 })
        // Nothing wider than the phone's viewport (tables scroll inside their own box).
        if (width === 390) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
        if (!shots) continue
        await lab.screenshot({ path: join(shots, `resilience-lab-${theme}-${width}.png`) })
        if (width === 390)
          for (const id of ['recovery', 'acks', 'storm', 'volatile', 'wire', 'heartbeat'])
            await page.getByTestId(`rl-exp-${id}`).screenshot({ path: join(shots, `card-${id}-${theme}-390.png`) })
      }
    }
  })
})
