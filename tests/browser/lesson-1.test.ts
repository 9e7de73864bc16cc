/**
 * Lesson 1 in a real browser against the real cluster: the transport race runs all three bare
 * transports on the same event stream, and each panel gets the same events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { expectWithinBudget, startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let page: Page
const TRANSPORTS = ['long-polling', 'sse', 'websocket'] as const

beforeAll(async () => {
  fixture = await startBrowserFixture()
  page = await fixture.newPage()
  await page.goto(`${fixture.workbook.siteUrl}/lessons/transports/`)
})
afterAll(async () => {
  await fixture?.close()
})

const panel = (transport: string) => page.locator(`[data-testid="tr-panel"][data-transport="${transport}"]`)
const number = async (transport: string, testId: string): Promise<number> =>
  Number((await panel(transport).getByTestId(testId).textContent())?.replace(/[^\d.]/g, '') || Number.NaN)

describe('lesson 1 page', () => {
  it('renders its diagrams at build time', async () => {
    const diagrams = page.locator('.rtwb-diagram[data-mermaid="build"]')
    expect(await diagrams.count()).toBeGreaterThanOrEqual(3)
    for (const diagram of await diagrams.all()) expect(await diagram.locator('svg:visible').count()).toBe(1)
  })

  it('holds the JS and CSS budgets', () => {
    expectWithinBudget('lessons/transports/index.html')
  })
})

describe('transport race', () => {
  it('runs all three transports on one stream: same events, none missing', async () => {
    const widget = page.getByTestId('transport-race')
    await widget.scrollIntoViewIfNeeded()
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 15_000 }).toBe('ready')
    await page.getByTestId('tr-rate').selectOption('20')
    await page.getByTestId('tr-start').click()
    await expect.poll(() => widget.getAttribute('data-state')).toBe('running')
    await expect.poll(() => number('websocket', 'tr-events'), { timeout: 10_000 }).toBeGreaterThanOrEqual(40)
    await page.getByTestId('tr-stop').click()
    // The last long poll answers, the last SSE event lands: the three counts come together.
    const countsNow = () => Promise.all(TRANSPORTS.map((t) => number(t, 'tr-events')))
    await expect
      .poll(
        async () => {
          const c = await countsNow()
          return Math.max(...c) - Math.min(...c)
        },
        { timeout: 5_000 },
      )
      .toBeLessThanOrEqual(2)
    const counts = await countsNow()
    console.log(`race: events ${TRANSPORTS.map((t, i) => `${t} ${counts[i]}`).join(', ')}`)
    for (const transport of TRANSPORTS) expect(await number(transport, 'tr-missing')).toBe(0)
    const [lp, sse, ws] = counts as [number, number, number]
    expect(Math.max(lp, sse, ws) - Math.min(lp, sse, ws)).toBeLessThanOrEqual(2)
    const overhead = await Promise.all(TRANSPORTS.map((t) => number(t, 'tr-bytes-per-event')))
    console.log(`race: bytes/event ${TRANSPORTS.map((t, i) => `${t} ${overhead[i]}`).join(', ')}`)
    // Reported, never asserted: timings belong to benchmarks, not tests.
    const latency = await Promise.all(
      TRANSPORTS.map(async (t) => `${t} p50 ${await number(t, 'tr-p50')} ms / p95 ${await number(t, 'tr-p95')} ms`),
    )
    console.log(`race: latency ${latency.join(', ')}`)
    expect(overhead[0]).toBeGreaterThan(overhead[1] as number)
    expect(overhead[1]).toBeGreaterThan(overhead[2] as number)
  })
})
