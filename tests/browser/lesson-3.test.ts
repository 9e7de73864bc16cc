/**
 * Lesson 3 in a real browser against the real cluster: clients on 3 instances; with the Redis
 * adapter every client receives, without it only those on the sender's instance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { expectWithinBudget, startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let page: Page

beforeAll(async () => {
  fixture = await startBrowserFixture()
  page = await fixture.newPage()
  await page.goto(`${fixture.workbook.siteUrl}/lessons/scaling/`)
})
afterAll(async () => {
  await fixture?.close()
})

const lane = (namespace: string): Locator => page.locator(`[data-testid="cf-lane"][data-namespace="${namespace}"]`)
const received = (namespace: string, instance: string): Locator =>
  lane(namespace).locator(`[data-testid="cf-client"][data-instance="${instance}"]`).getByTestId('cf-received-item')

describe('lesson 3 page', () => {
  it('renders its diagrams at build time and holds the budgets', async () => {
    const diagrams = page.locator('.rtwb-diagram[data-mermaid="build"]')
    expect(await diagrams.count()).toBeGreaterThanOrEqual(2)
    expectWithinBudget('lessons/scaling/index.html')
  })
})

describe('cluster fan-out', () => {
  it('adapter on: all clients receive; adapter off: only the sender instance', async () => {
    const widget = page.getByTestId('cluster-fanout')
    await widget.scrollIntoViewIfNeeded()
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 15_000 }).toBe('ready')
    await page.getByTestId('cf-setup').click()
    await expect.poll(() => page.locator('[data-testid="cf-client"][data-status="connected"]').count(), { timeout: 10_000 }).toBe(6)

    // The setup puts A on i1, B on i2, C on i3 in each lane; A sends.
    for (const namespace of ['/with-redis', '/without-redis']) {
      expect(await lane(namespace).locator('[data-testid="cf-client"][data-label="A"]').getAttribute('data-instance')).toBe('i1')
      await page.getByTestId('cf-send-from').selectOption(`A@${namespace}`)
      await page.locator('[data-testid="cf-send-call"][value="io.emit"]').check()
      await page.getByTestId('cf-send-text').fill(`hello ${namespace}`)
      await page.getByTestId('cf-send').click()
    }
    for (const instance of ['i1', 'i2', 'i3']) {
      await expect
        .poll(() => received('/with-redis', instance).filter({ hasText: 'hello /with-redis' }).count(), { timeout: 5_000 })
        .toBe(1)
    }
    await expect.poll(() => received('/without-redis', 'i1').filter({ hasText: 'hello /without-redis' }).count()).toBe(1)
    // Delivery barrier: a later /with-redis emit from i1 reaches i2 and i3 through Redis, the only
    // way the /without-redis message could have gone; once it is there, that message is not coming.
    await page.getByTestId('cf-send-from').selectOption('A@/with-redis')
    await page.getByTestId('cf-send-text').fill('barrier')
    await page.getByTestId('cf-send').click()
    for (const instance of ['i2', 'i3']) {
      await expect.poll(() => received('/with-redis', instance).filter({ hasText: 'barrier' }).count(), { timeout: 5_000 }).toBe(1)
      expect(await received('/without-redis', instance).count()).toBe(0)
    }
    // The Redis traffic panel shows the publish, read by the other instances' subscribers.
    await expect.poll(() => page.getByTestId('cf-redis-row').count()).toBeGreaterThan(0)
    const row = page.getByTestId('cf-redis-row').first()
    expect(await row.getAttribute('data-published-by')).toBe('i1')
    expect(await row.getAttribute('data-received-by')).toBe('i1,i2,i3')
  })

  it('the emitter sends its own text, not what is left in the send form', async () => {
    await page.getByTestId('cf-send-text').fill('left in the send form')
    await page.getByTestId('cf-emitter-text').fill('from the worker')
    await page.getByTestId('cf-emitter').click()
    for (const instance of ['i1', 'i2', 'i3']) {
      await expect.poll(() => received('/with-redis', instance).filter({ hasText: 'from the worker' }).count(), { timeout: 5_000 }).toBe(1)
    }
    expect(await page.getByTestId('cf-received-item').filter({ hasText: 'left in the send form' }).count()).toBe(0)
  })
})

describe('sticky sessions', () => {
  it('polling across instances gets 400 Session ID unknown; WebSocket-only works on one instance', async () => {
    const steps = page.getByTestId('cf-sticky-step')
    await page.getByTestId('cf-sticky-run').click()
    await expect
      .poll(() => steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))), { timeout: 10_000 })
      .toEqual(['200', '400', '200', '200'])
    expect(await steps.nth(1).textContent()).toContain('Session ID unknown')
    const ws = page.getByTestId('cf-sticky-ws')
    await ws.focus()
    await page.keyboard.press('Enter')
    await expect
      .poll(() => steps.evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))), { timeout: 10_000 })
      .toEqual(['101', '101'])
    expect(await steps.nth(1).textContent()).toMatch(/40\{"sid":"[^"]+"\}/)
    await expect.poll(() => ws.getAttribute('aria-disabled')).toBeNull()
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('cf-sticky-ws')
  })
})
