/**
 * Announced results and reduced motion in a real browser against a real cluster:
 * - with `prefers-reduced-motion: reduce`, nothing on the lesson pages transitions or animates
 *   (computed durations 0 on every element, widgets mounted; without the preference the same
 *   elements do transition, so the check is not vacuous), and the cluster fan-out's message dots
 *   do not travel (`document.getAnimations()` stays empty during a burst);
 * - a burst of messages received by the cluster fan-out's clients yields at most one
 *   announcement per second in its live region, the last one a summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture

beforeAll(async () => {
  fixture = await startBrowserFixture()
}, 240_000)
afterAll(async () => {
  await fixture?.close()
})

const LESSONS = ['/lessons/scaling/', '/lessons/security-monitoring/', '/lessons/best-practices/']

async function open(path: string, reducedMotion: 'reduce' | 'no-preference'): Promise<Page> {
  const page = await fixture.newPage()
  await page.emulateMedia({ reducedMotion })
  await page.goto(`${fixture.workbook.siteUrl}${path}`)
  const widget = page.locator('.rtwb-widget[data-state]').first()
  await widget.scrollIntoViewIfNeeded()
  await expect.poll(() => widget.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready')
  return page
}

/** Elements whose computed transition or animation lasts longer than 0, as `tag.class: 0.2s`. */
function moving(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('*')].flatMap((el) => {
      const s = getComputedStyle(el)
      const long = [s.transitionDuration, s.animationDuration]
        .join(',')
        .split(',')
        .some((d) => parseFloat(d) > 0)
      return long && (s.transitionProperty !== 'none' || s.animationName !== 'none')
        ? [`${el.tagName.toLowerCase()}.${String(el.getAttribute('class')).split(' ')[0]}: ${s.transitionDuration} ${s.animationDuration}`]
        : []
    }),
  )
}

describe('reduced motion', () => {
  it.each(LESSONS)('%s: no element transitions or animates with reduce; some do without', async (path) => {
    const reduced = await open(path, 'reduce')
    expect(await moving(reduced)).toEqual([])
    await reduced.context().close()
    const normal = await open(path, 'no-preference')
    expect((await moving(normal)).length).toBeGreaterThan(0)
    await normal.context().close()
  })
})

describe('announced results', () => {
  it('a burst of messages to the cluster fan-out is announced at most once per second, as a summary; no dot travels', async () => {
    const page = await open('/lessons/scaling/', 'reduce')
    await page.getByTestId('cf-setup').click()
    await expect.poll(() => page.locator('[data-testid="cf-client"][data-status="connected"]').count(), { timeout: 10_000 }).toBe(6)
    await page.waitForTimeout(1_200)
    await page.evaluate(() => {
      const live = document.querySelector('[data-testid="cf-live"]')
      const said: string[] = []
      Object.assign(window, { __said: said, __animations: 0 })
      if (live)
        new MutationObserver(() => {
          const text = live.textContent ?? ''
          if (text && text !== said.at(-1)) said.push(text)
        }).observe(live, { childList: true, characterData: true, subtree: true })
    })
    const started = Date.now()
    await page.getByTestId('cf-send-from').selectOption('A@/with-redis')
    await page.locator('[data-testid="cf-send-call"][value="io.emit"]').check()
    for (let i = 1; i <= 8; i++) {
      await page.getByTestId('cf-send-text').fill(`burst ${i}`)
      await page.getByTestId('cf-send').click()
      await page.evaluate(() =>
        Object.assign(window, { __animations: Math.max(Number(Reflect.get(window, '__animations')), document.getAnimations().length) }),
      )
    }
    const received = page.locator('[data-testid="cf-lane"][data-namespace="/with-redis"] [data-testid="cf-received-item"]')
    await expect.poll(() => received.filter({ hasText: 'burst 8' }).count(), { timeout: 10_000 }).toBe(3)
    await page.waitForTimeout(1_500)
    const elapsed = Date.now() - started
    const said = (await page.evaluate(() => Reflect.get(window, '__said'))) as string[]
    console.log(`burst of 24 messages in ${elapsed} ms: ${said.length} announcements`, said)
    expect(said.length).toBeGreaterThanOrEqual(1)
    expect(said.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 1)
    expect(said.at(-1)).toMatch(/messages received, last: .+ received from .+: burst 8$/)
    expect(await page.evaluate(() => Reflect.get(window, '__animations'))).toBe(0)
    // Each client's messages are a log the announcer summarises: role="log", silent.
    const log = page.locator('[data-testid="cf-client"] [role="log"]').first()
    expect(await log.getAttribute('aria-live')).toBe('off')
    await page.context().close()
  })
})
