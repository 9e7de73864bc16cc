/**
 * The pages the accessibility tests visit (home, five lessons, instructor console with its key,
 * projector view, 404) and how to bring one to its settled state: scrolled through so every lazy
 * widget mounted and connected (`data-state="ready"`), every diagram drawn, the instructor rows up.
 * Shared by accessibility.test.ts (axe-core) and contrast.test.ts (diagram labels and controls).
 */
import { expect } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { projectorKey } from '@realtime-workbook/sandbox-server/instructor'
import type { BrowserFixture } from './fixture.ts'

export const THEMES = ['light', 'dark'] as const
export const WIDTHS = [1280, 390] as const
export const LESSON_SLUGS = ['transports', 'socketio-foundations', 'scaling', 'security-monitoring', 'best-practices'] as const

/** A page to check: its path (given the running workbook) and what "ready" means on it. */
export interface PageSpec {
  name: string
  path: (f: BrowserFixture) => string
  /** Instructor pages: their 3 instance rows are up (they have no session widget). */
  instanceRows?: boolean
}

/**
 * Every page of the site a learner or instructor opens.
 *
 * @example
 * for (const spec of PAGES) await page.goto(`${fixture.workbook.siteUrl}${spec.path(fixture)}`)
 */
export const PAGES: readonly PageSpec[] = [
  { name: 'home', path: () => '/' },
  ...LESSON_SLUGS.map((slug) => ({ name: `lesson ${slug}`, path: () => `/lessons/${slug}/` })),
  { name: 'instructor console', path: (f) => `/instructor/#key=${f.workbook.instructorToken}`, instanceRows: true },
  {
    name: 'projector view',
    path: (f) => `/instructor/projector/#view=${projectorKey(f.workbook.instructorToken)}`,
    instanceRows: true,
  },
  { name: '404', path: () => '/no-such-page/' },
]

/**
 * A context in one Starlight theme (its `starlight-theme` localStorage key, set before any script)
 * and one viewport width; its own localStorage, so its own learner space.
 *
 * @example
 * const page = await (await themedContext(fixture.browser, 'dark', 390)).newPage()
 */
export async function themedContext(browser: Browser, theme: (typeof THEMES)[number], width: number): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: theme })
  await context.addInitScript((value) => localStorage.setItem('starlight-theme', value), theme)
  return context
}

/**
 * Opens `spec` and settles it: scrolls down a viewport at a time (at most 60) so lazy widgets mount,
 * then brings each widget into view and waits for it to be ready, and for each diagram's SVG;
 * ends scrolled back to the top.
 *
 * @example
 * await openSettled(page, fixture, PAGES[1])
 */
export async function openSettled(page: Page, fixture: BrowserFixture, spec: PageSpec): Promise<void> {
  await page.goto(`${fixture.workbook.siteUrl}${spec.path(fixture)}`)
  for (let step = 0; step < 60; step++) {
    const atEnd = await page.evaluate(() => {
      window.scrollBy(0, window.innerHeight)
      return window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2
    })
    if (atEnd) break
    await page.waitForTimeout(30)
  }
  // scrollIntoView, not Playwright's scrollIntoViewIfNeeded: that waits for the element to stop
  // moving, and a page whose widgets above are still mounting shifts for seconds on a busy machine.
  for (const widget of await page.locator('.rtwb-widget[data-state]').all()) {
    await widget.evaluate((el) => el.scrollIntoView({ block: 'center' }))
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready')
  }
  for (const figure of await page.locator('.rtwb-diagram').all()) {
    await figure.evaluate((el) => el.scrollIntoView({ block: 'center' }))
    await figure.locator('svg').first().waitFor({ state: 'attached', timeout: 20_000 })
  }
  if (spec.instanceRows) {
    const up = page.locator('[data-testid="iv-row"][data-up="true"]')
    await expect.poll(() => up.count(), { timeout: 15_000 }).toBe(3)
  }
  await page.evaluate(() => window.scrollTo(0, 0))
}
