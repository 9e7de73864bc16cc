/**
 * Classes in real browsers against the real 3-instance cluster: the console (with the key from the
 * instructor link) opens a class, two learners (own browser contexts) join it from lesson 2's
 * space bar, both get the announcement banner (and a page opened later shows it), lock refuses a
 * third, reset drops the widgets' sockets and they come back, close sends them home.
 * `CLASS_SHOTS=<dir>` also saves screenshots (1280 and 390 px, light and dark).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let console_: Page
const LESSON = '/lessons/socketio-foundations/'
const shots = process.env.CLASS_SHOTS

beforeAll(async () => {
  fixture = await startBrowserFixture()
  console_ = await fixture.newPage()
  await console_.goto(`${fixture.workbook.siteUrl}/instructor/#key=${fixture.workbook.instructorToken}`)
})
afterAll(async () => {
  await fixture?.close()
})

/** A learner on lesson 2 with the widget ready; returns the page. */
async function learner(): Promise<Page> {
  const page = await fixture.newPage()
  await page.goto(`${fixture.workbook.siteUrl}${LESSON}`)
  const widget = page.getByTestId('room-playground')
  await widget.scrollIntoViewIfNeeded()
  await expect.poll(() => widget.getAttribute('data-state'), { timeout: 15_000 }).toBe('ready')
  return page
}

async function join(page: Page, code: string, name: string): Promise<void> {
  await page.getByTestId('class-open').click()
  await page.getByTestId('class-code-input').fill(code.toLowerCase())
  await page.getByTestId('class-name-input').fill(name)
  await page.getByTestId('class-join').click()
}

async function shoot(page: Page, name: string, testId?: string): Promise<void> {
  if (!shots) return
  for (const [width, scheme] of [
    [1280, 'light'],
    [390, 'light'],
    [1280, 'dark'],
    [390, 'dark'],
  ] as const) {
    await page.setViewportSize({ width, height: 900 })
    await page.emulateMedia({ colorScheme: scheme })
    await page.evaluate((theme) => document.documentElement.setAttribute('data-theme', theme), scheme)
    if (testId) await page.getByTestId(testId).first().scrollIntoViewIfNeeded()
    await page.screenshot({ path: `${shots}/${name}-${width}-${scheme}.png` })
  }
  await page.setViewportSize({ width: 1280, height: 900 })
}

describe('a class, end to end', () => {
  let code = ''
  let a: Page
  let b: Page

  it('opens from the console with the key', async () => {
    await console_.getByTestId('class-create').click()
    await expect.poll(() => console_.getByTestId('class-code').first().textContent(), { timeout: 10_000 }).toMatch(/^[A-Z2-9]{6}$/)
    code = (await console_.getByTestId('class-code').first().textContent()) ?? ''
  })

  it('takes two learners from the space bar; their widgets move to the class space; the console lists them', async () => {
    ;[a, b] = await Promise.all([learner(), learner()])
    const ownA = await a.getByTestId('space-code').textContent()
    await join(a, code, 'Ada')
    await join(b, code, 'Bo')
    for (const page of [a, b]) await expect.poll(() => page.getByTestId('class-member').count(), { timeout: 10_000 }).toBe(1)
    const classSpace = await a.getByTestId('space-code').textContent()
    expect(classSpace).not.toBe(ownA)
    expect(await b.getByTestId('space-code').textContent()).toBe(classSpace)
    await expect.poll(() => console_.getByTestId('class-member-row').count(), { timeout: 10_000 }).toBe(2)
    expect(await console_.getByTestId('class-member-row').first().textContent()).toContain('Room playground (2)')
  })

  it('refuses a taken name in words; another name joins, leaves (name freed) and goes home', async () => {
    const c = await learner()
    await join(c, code, 'ADA')
    await expect.poll(() => c.getByTestId('class-error').textContent(), { timeout: 10_000 }).toContain('already uses this name')
    await shoot(c, 'class-join-refused', 'space-bar')
    // Another name is in; leaving frees it (the same browser joins again under it) and sends the page home.
    const own = await c.getByTestId('space-code').textContent()
    await c.getByTestId('class-name-input').fill('Cy')
    await c.getByTestId('class-join').click()
    await expect.poll(() => c.getByTestId('class-member').count(), { timeout: 10_000 }).toBe(1)
    await c.getByTestId('class-leave').click()
    await expect.poll(() => c.getByTestId('space-code').textContent(), { timeout: 10_000 }).toBe(own)
    await expect.poll(() => c.getByTestId('class-join').count(), { timeout: 10_000 }).toBe(1)
    await expect.poll(() => console_.getByTestId('class-member-row').count(), { timeout: 10_000 }).toBe(2)
    await c.context().close()
  })

  it('shows the announcement on both pages, and on a page opened later', async () => {
    await console_.getByTestId('class-announce-text').fill('Open lesson 3 <b>now</b>')
    await console_.getByTestId('class-announce').click()
    for (const page of [a, b])
      await expect
        .poll(() => page.getByTestId('class-announcement-text').textContent(), { timeout: 10_000 })
        .toBe('Open lesson 3 <b>now</b>')
    expect(await a.locator('#rtwb-class-banner b').count()).toBe(0)
    const later = await a.context().newPage()
    await later.goto(`${fixture.workbook.siteUrl}/lessons/transports/`)
    await expect
      .poll(() => later.getByTestId('class-announcement-text').textContent(), { timeout: 10_000 })
      .toBe('Open lesson 3 <b>now</b>')
    await shoot(later, 'class-banner')
    await shoot(console_, 'class-console', 'class-card')
    await later.close()
  })

  it('lock refuses a third learner', async () => {
    await console_.getByTestId('class-lock').click()
    await expect.poll(() => console_.getByTestId('class-lock').textContent(), { timeout: 10_000 }).toBe('Unlock')
    const c = await learner()
    await join(c, code, 'Cy')
    await expect.poll(() => c.getByTestId('class-error').textContent(), { timeout: 10_000 }).toContain('locked')
    await c.context().close()
  })

  it('reset drops the widgets’ sockets, and they come back', async () => {
    // The playground's own clients in A: one per instance.
    for (const instance of ['1', '2']) {
      await a.getByTestId('rp-new-instance').selectOption(instance)
      await a.getByTestId('rp-add-client').click()
    }
    await expect.poll(() => a.locator('[data-testid="rp-client"][data-status="connected"]').count(), { timeout: 10_000 }).toBe(2)
    const states = a.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const widget = document.querySelector('[data-testid="room-playground"]')
          const seen: string[] = []
          new MutationObserver(() => {
            seen.push(widget?.getAttribute('data-state') ?? '')
            if (seen.includes('connecting') && seen.at(-1) === 'ready') resolve(seen)
          }).observe(widget as Element, { attributes: true, attributeFilter: ['data-state'] })
        }),
    )
    await console_.getByTestId('class-reset').click()
    await console_.getByTestId('class-reset').click()
    expect(await states).toContain('connecting')
    await expect.poll(() => a.getByTestId('room-playground').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready')
    // Clients come back connected, in the class space.
    await a.getByTestId('rp-add-client').click()
    await expect
      .poll(() => a.locator('[data-testid="rp-client"][data-status="connected"]').count(), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1)
    expect(await a.getByTestId('class-member').count()).toBe(1)
  })

  it('close sends both home', async () => {
    const classSpace = await a.getByTestId('space-code').textContent()
    await console_.getByTestId('class-close').click()
    await console_.getByTestId('class-close').click()
    for (const page of [a, b]) {
      await expect.poll(() => page.getByTestId('class-notice-text').textContent(), { timeout: 10_000 }).toContain('closed the class')
      await expect.poll(() => page.getByTestId('space-code').textContent(), { timeout: 10_000 }).not.toBe(classSpace)
      expect(await page.evaluate(() => localStorage.getItem('rtwb:class:v1'))).toBeNull()
      await expect.poll(() => page.getByTestId('room-playground').getAttribute('data-state'), { timeout: 15_000 }).toBe('ready')
    }
    await expect.poll(() => console_.getByTestId('class-card').count(), { timeout: 10_000 }).toBe(0)
  })
})
