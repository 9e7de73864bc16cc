/**
 * Lesson 2 in a real browser against a real 3-instance cluster: diagrams rendered at build,
 * the room playground delivering across instances, the quiz graded, the JS budget held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { expectWithinBudget, startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let page: Page
const requested: string[] = []
const LESSON = '/lessons/socketio-foundations/'

beforeAll(async () => {
  fixture = await startBrowserFixture()
  page = await fixture.newPage()
  page.on('request', (request) => requested.push(request.url()))
  await page.goto(`${fixture.workbook.siteUrl}${LESSON}`)
})
afterAll(async () => {
  await fixture?.close()
})

describe('lesson 2 page', () => {
  it('shows its Mermaid diagrams as SVG rendered at build, with no Mermaid runtime', async () => {
    const diagrams = page.locator('.rtwb-diagram[data-mermaid="build"]')
    expect(await diagrams.count()).toBeGreaterThanOrEqual(2)
    for (const diagram of await diagrams.all()) {
      const visible = diagram.locator('svg:visible')
      expect(await visible.count()).toBe(1)
      const box = await visible.boundingBox()
      expect(box?.width).toBeGreaterThan(100)
      expect(box?.height).toBeGreaterThan(50)
      expect((await visible.textContent())?.trim().length).toBeGreaterThan(5)
    }
    expect(requested.filter((url) => /mermaid/i.test(url))).toEqual([])
  })

  it('holds the JS and CSS budgets (gzip, counting lazy chunks; search opens on demand)', () => {
    expectWithinBudget('lessons/socketio-foundations/index.html')
  })
})

describe('room playground', () => {
  const client = (label: string) => page.locator(`[data-testid="rp-client"][data-label="${label}"]`)

  it('connects, then delivers socket.to(room).emit across 3 instances to exactly the right client', async () => {
    const widget = page.getByTestId('room-playground')
    await widget.scrollIntoViewIfNeeded()
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 15_000 }).toBe('ready')

    for (const instance of ['1', '2', '3']) {
      await page.getByTestId('rp-new-instance').selectOption(instance)
      await page.getByTestId('rp-new-namespace').selectOption('/chat')
      await page.getByTestId('rp-add-client').click()
    }
    for (const label of ['A', 'B', 'C']) {
      await expect.poll(() => client(label).getAttribute('data-status'), { timeout: 10_000 }).toBe('connected')
    }

    for (const label of ['A', 'B']) {
      await client(label).getByTestId('rp-room-input').fill('paris')
      await client(label).getByTestId('rp-join').click()
    }
    await expect.poll(() => page.getByTestId('rp-log-item').filter({ hasText: 'paris' }).count()).toBeGreaterThanOrEqual(2)

    await page.getByTestId('rp-send-from').selectOption('A')
    await page.locator('[data-testid="rp-send-call"][value="socket.to(room).emit"]').check()
    await page.getByTestId('rp-send-room').fill('paris')
    await page.getByTestId('rp-send-text').fill('bonjour paris')
    await page.getByTestId('rp-send').click()

    await expect
      .poll(() => client('B').getByTestId('rp-received-item').filter({ hasText: 'bonjour paris' }).count(), { timeout: 5_000 })
      .toBe(1)
    // The server-side trace: i1 ran the line, i2 delivered to B.
    await expect.poll(() => page.getByTestId('rp-log').textContent()).toContain('socket.to("paris").emit("message", msg)')
    await expect.poll(() => page.getByTestId('rp-log-item').filter({ hasText: 'i2' }).filter({ hasText: 'B' }).count()).toBeGreaterThan(0)
    // Delivery barrier: A's later io.emit must reach A and C; 'bonjour paris' would have come before it.
    await page.locator('[data-testid="rp-send-call"][value="io.emit"]').check()
    // The choice is labelled with the line it runs in A's namespace, and the trace shows exactly that line.
    expect(await page.locator('label', { has: page.locator('[data-testid="rp-send-call"][value="io.emit"]') }).textContent()).toContain(
      'io.of("/chat").emit(…)',
    )
    expect(await page.getByTestId('rp-send-line').textContent()).toBe('io.of("/chat").emit("message", msg)')
    await page.getByTestId('rp-send-text').fill('barrier')
    await page.getByTestId('rp-send').click()
    await expect.poll(() => page.getByTestId('rp-log').textContent()).toContain('io.of("/chat").emit("message", msg)')
    for (const label of ['A', 'C']) {
      const items = client(label).getByTestId('rp-received-item')
      await expect.poll(() => items.filter({ hasText: 'barrier' }).count(), { timeout: 5_000 }).toBe(1)
      expect(await items.filter({ hasText: 'bonjour paris' }).count()).toBe(0)
    }
  })
})

describe('self-check', () => {
  it('grades quiz answers in the browser and keeps the score', async () => {
    const questions = page.locator('form[data-question]')
    expect(await questions.count()).toBeGreaterThanOrEqual(6)
    const first = questions.nth(0)
    const answer = ((await first.getAttribute('data-answer')) ?? '').split(' ')
    for (const id of answer) await first.locator(`input[data-option][value="${id}"]`).check()
    await first.getByRole('button', { name: 'Check' }).click()
    expect(await first.getAttribute('data-state')).toBe('correct')

    const second = questions.nth(1)
    const secondAnswer = ((await second.getAttribute('data-answer')) ?? '').split(' ')
    const options = await second.locator('input[data-option]').all()
    const wrong = []
    for (const option of options) {
      const value = (await option.getAttribute('value')) ?? ''
      if (!secondAnswer.includes(value)) wrong.push(option)
    }
    await wrong[0]?.check()
    await second.getByRole('button', { name: 'Check' }).click()
    expect(await second.getAttribute('data-state')).toBe('incorrect')
    expect(await second.locator('[data-feedback]').isVisible()).toBe(true)
    await expect.poll(() => page.locator('[data-score]').textContent()).toMatch(/Score: 1 of \d+ correct \(2 checked\)/)

    await page.reload()
    expect(await page.locator('form[data-question]').nth(0).getAttribute('data-state')).toBe('correct')
  })
})

describe('without the sandbox', () => {
  it('shows a clear offline state with what to do, never a blank box', async () => {
    await Promise.all(fixture.workbook.instances.map((instance) => instance.stop()))
    const offlinePage = await fixture.newPage()
    await offlinePage.goto(`${fixture.workbook.siteUrl}${LESSON}`)
    const widget = offlinePage.getByTestId('room-playground')
    await widget.scrollIntoViewIfNeeded()
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 20_000 }).toBe('offline')
    const text = (await offlinePage.getByTestId('rp-offline').textContent()) ?? ''
    expect(text).toMatch(/isn't running/)
    expect(text).toMatch(/npm start/)
    expect(await offlinePage.getByTestId('rp-retry').isVisible()).toBe(true)
  })
})
