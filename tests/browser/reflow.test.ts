/**
 * Reflow (WCAG 1.4.10) on every page, widgets mounted and connected: at 320 CSS px wide, and at
 * 1280 px with 200% zoom. Browser zoom is emulated as what it is: a 640 CSS px viewport at device
 * scale factor 2 (media queries and layout see 640 px, text is rendered at twice the pixels); CSS
 * `zoom` on the root would keep the 1280 px media queries and is not what a learner gets.
 * Per page: the document does not scroll sideways, the site title is not clipped, no visible control in the content is cut off
 * (unless it sits inside an allowed scroll container), and what scrolls sideways is only a diagram,
 * a wide table or a code block, reachable by keyboard (tabindex="0"; a wrapper that scrolls also a
 * role and a name; a table that scrolls itself keeps its own role). With `REFLOW_SHOTS=<dir>` it saves each page's top and its widgets at both sizes.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { projectorKey } from '@realtime-workbook/sandbox-server/instructor'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture

beforeAll(async () => {
  fixture = await startBrowserFixture()
}, 240_000)
afterAll(async () => {
  await fixture?.close()
})

const LESSONS = ['transports', 'socketio-foundations', 'scaling', 'security-monitoring', 'best-practices']
const pages = (): [string, string][] => [
  ['home', '/'],
  ...LESSONS.map((slug): [string, string] => [slug, `/lessons/${slug}/`]),
  ['instructor', `/instructor/#key=${fixture.workbook.instructorToken}`],
  ['projector', `/instructor/projector/#view=${projectorKey(fixture.workbook.instructorToken)}`],
  ['404', '/no-such-page/'],
]
const SIZES = [
  { name: '320px', viewport: { width: 320, height: 640 }, deviceScaleFactor: 1 },
  { name: '1280px-zoom200', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
]

/** Scrolls to the bottom in viewport steps (bounded), so every lazy widget mounts, then waits for them to be ready. */
async function mountEverything(page: Page): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const more = await page.evaluate(() => {
      window.scrollBy(0, window.innerHeight)
      return window.scrollY + window.innerHeight < document.documentElement.scrollHeight - 2
    })
    await page.waitForTimeout(60)
    if (!more) break
  }
  await page
    .waitForFunction(
      () => [...document.querySelectorAll<HTMLElement>('.rtwb-widget[data-state]')].every((w) => w.dataset.state === 'ready'),
      {
        timeout: 20_000,
      },
    )
    .catch(() => undefined)
  await page.evaluate(() => window.scrollTo(0, 0))
}

/** What breaks reflow on the page as it is now, as plain sentences (empty when none). */
function audit(): string[] {
  const problems: string[] = []
  const name = (el: Element) => {
    const id = el.getAttribute('data-testid') ?? el.id
    const cls = typeof el.className === 'string' ? el.className.trim().split(/\s+/).slice(0, 2).join('.') : ''
    return `<${el.tagName.toLowerCase()}${id ? ` ${id}` : ''}${cls ? ` .${cls}` : ''}>`
  }
  const shown = (el: Element) => {
    const r = el.getBoundingClientRect()
    return r.width > 1 && r.height > 1 && getComputedStyle(el).visibility !== 'hidden'
  }
  const scrollsX = (el: Element) => /auto|scroll/.test(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1
  const root = document.documentElement
  if (root.scrollWidth > root.clientWidth) problems.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth} px)`)
  // Starlight clips a site title too wide for the header (overflow: hidden), with no scroll bar.
  const title = document.querySelector('.site-title span')
  if (title && title.scrollWidth > title.clientWidth + 1)
    problems.push(`the site title is cut off (${title.scrollWidth} > ${title.clientWidth} px): "${title.textContent?.trim()}"`)
  for (const el of document.querySelectorAll('body *')) {
    if (!scrollsX(el) || !shown(el)) continue
    const table = el.matches('table')
    const kind = el.closest('.rtwb-diagram')
      ? 'diagram'
      : table || el.querySelector('table')
        ? 'table'
        : el.closest('.expressive-code')
          ? 'code'
          : null
    if (!kind)
      problems.push(`${name(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth} px) and is no diagram, table or code block`)
    const named = Boolean(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))
    // A table that scrolls itself keeps its own role (rehype-scroll-tables); a code block is a <pre>.
    if (el.getAttribute('tabindex') !== '0' || (!table && kind !== 'code' && (!el.getAttribute('role') || !named)))
      problems.push(`${name(el)} scrolls sideways but is not reachable by keyboard (tabindex="0"; a wrapper also a role and a name)`)
  }
  const content = document.querySelectorAll('main :is(button, input, select, textarea, a[href], summary)')
  for (const el of content) {
    if (!shown(el) || el.closest('.sr-only')) continue
    let box: Element | null = el.parentElement
    while (box && !scrollsX(box)) box = box.parentElement
    const r = el.getBoundingClientRect()
    const limit = box ? box.getBoundingClientRect() : { left: 0, right: window.innerWidth }
    if (r.left < limit.left - 1 || r.right > limit.right + 1)
      problems.push(
        `${name(el)} "${(el.textContent ?? '').trim().slice(0, 30)}" is cut off (${Math.round(r.left)}-${Math.round(r.right)} px)`,
      )
  }
  return problems
}

/** The top of the page and each widget, as a learner sees them (to look at; never fails the test). */
async function shots(page: Page, dir: string, name: string): Promise<void> {
  await page.screenshot({ path: join(dir, `${name}.png`), timeout: 60_000 }).catch(() => undefined)
  const widgets = await page.locator('.rtwb-widget, #instructor-view, #projector-view').all()
  for (const [n, widget] of widgets.entries())
    await widget.screenshot({ path: join(dir, `${name}-widget${n + 1}.png`), timeout: 60_000 }).catch(() => undefined)
}

describe.each(SIZES)('reflow at $name', (size) => {
  it('every page: no sideways page scroll, no control cut off, only diagrams, tables and code scroll, by keyboard too', async () => {
    const context = await fixture.browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.deviceScaleFactor })
    const found: Record<string, string[]> = {}
    try {
      const page = await context.newPage()
      for (const [label, path] of pages()) {
        await page.goto(`${fixture.workbook.siteUrl}${path}`)
        await mountEverything(page)
        if (label === 'instructor' || label === 'projector')
          await page.waitForSelector('[data-testid="iv-row"]', { timeout: 15_000 }).catch(() => undefined)
        const problems = await page.evaluate(audit)
        if (problems.length) found[label] = problems
        if (process.env.REFLOW_SHOTS) await shots(page, process.env.REFLOW_SHOTS, `${label}-${size.name}`)
      }
    } finally {
      await context.close()
    }
    if (Object.keys(found).length) console.log(`reflow at ${size.name}:`, JSON.stringify(found, null, 1))
    expect(found).toEqual({})
  }, 300_000)
})
