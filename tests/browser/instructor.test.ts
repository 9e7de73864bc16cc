/**
 * The instructor console and projector in a real browser against the real launcher: the key from
 * the link `npm start` prints, the cluster live, refusals without it, and the fault controls acting
 * on the real processes while an open lesson 3 widget (cluster fan-out) shows the consequence:
 * an instance killed or drained goes down and comes back; the launcher's own Redis (started at a
 * free loopback port, never the shared 6379) stopped and restarted shows "Redis down", then recovered.
 * With `INSTRUCTOR_SHOTS=<dir>` it also saves the console and the projector at 1280 and 390 px,
 * light and dark.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { projectorKey } from '@realtime-workbook/sandbox-server/instructor'
import { freePort } from '../../sandbox-server/test/harness.ts'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let console_: Page
let lesson: Page
const wrongKey = 'x'.repeat(43)

beforeAll(async () => {
  // A killed or drained instance stays down 2 s before its restart (200 ms by default), so the
  // widget's health check sees the down state however busy the machine is.
  fixture = await startBrowserFixture({ redisUrl: `redis://127.0.0.1:${await freePort()}`, restartDelayMs: 2_000 })
  expect(fixture.workbook.redis.kind).toBe('started')
}, 120_000)
afterAll(async () => {
  await fixture?.close()
})

const site = (path: string): string => `${fixture.workbook.siteUrl}${path}`
const rowsUp = (page: Page) => page.locator('[data-testid="iv-row"][data-up="true"]').count()

/** Opens the fault action's button, then confirms it in the dialog. */
async function act(testid: string, instance?: string): Promise<void> {
  const scope = instance ? console_.locator(`[data-testid="iv-fault-controls"] li[data-instance="${instance}"]`) : console_
  await expect.poll(() => scope.getByTestId(testid).isEnabled(), { timeout: 15_000 }).toBe(true)
  await scope.getByTestId(testid).click()
  if (process.env.INSTRUCTOR_SHOTS && testid === 'iv-kill')
    await console_.screenshot({ path: join(process.env.INSTRUCTOR_SHOTS, 'console-dialog.png') })
  await console_.getByTestId('iv-confirm').click()
}

/**
 * Records what the lesson's widget shows from now on: each client card's status
 * (`i2:connecting`), and each instance the topology draws as down (`down:i2`).
 */
async function watchCards(): Promise<void> {
  await lesson.evaluate(() => {
    const seen: string[] = []
    Object.assign(window, { __cards: seen })
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement
        if (r.type === 'attributes' && el.dataset.testid === 'cf-client') seen.push(`${el.dataset.instance}:${el.dataset.status}`)
      }
      for (const node of document.querySelectorAll<SVGElement>('[data-testid="cf-instance-node"].cf-down')) {
        const down = `down:${node.dataset.instance}`
        if (!seen.includes(down)) seen.push(down)
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] })
  })
}
const seenCards = (): Promise<string[]> => lesson.evaluate(() => (window as unknown as { __cards: string[] }).__cards.slice())
const connectedOn = (instance: string) =>
  lesson.locator(`[data-testid="cf-client"][data-instance="${instance}"][data-status="connected"]`).count()

describe('instructor console', () => {
  it('reads the key from the link, clears the address bar, and shows the 3 instances live', async () => {
    console_ = await fixture.newPage()
    await console_.goto(site(`/instructor/#key=${fixture.workbook.instructorToken}`))
    await expect.poll(() => rowsUp(console_), { timeout: 15_000 }).toBe(3)
    expect(console_.url()).not.toContain('#key')
    const first = await console_.getByTestId('iv-summary').textContent()
    await expect.poll(() => console_.getByTestId('iv-summary').textContent(), { timeout: 5_000 }).not.toBe(first)
    expect(await console_.getByTestId('iv-kill').count()).toBe(3)
    expect(await console_.locator('#instructor-classes h2').textContent()).toBe('Classes')
  })

  it.each([
    ['without a key', ''],
    ['with a wrong key', `#key=${wrongKey}`],
  ])('%s shows one message and no controls; the instances answer 401', async (_, fragment) => {
    const page = await fixture.newPage()
    await page.goto(site(`/instructor/${fragment}`))
    await expect.poll(() => page.getByTestId('iv-no-key').count(), { timeout: 15_000 }).toBe(1)
    expect(await page.getByTestId('iv-no-key').textContent()).toContain('Open the instructor link that npm start printed')
    expect(await page.locator('#instructor-view button').count()).toBe(0)
    if (!fragment) await shots(page, 'no-key', '/instructor/')
    await page.context().close()
    for (const instance of fixture.workbook.instances) {
      const headers = fragment ? { Authorization: `Bearer ${wrongKey}` } : undefined
      expect((await fetch(`http://127.0.0.1:${instance.port}/instructor/cluster`, { headers })).status).toBe(401)
    }
    expect((await fetch(site('/instructor/api/faults'))).status).toBe(401)
  })

  it('the projector link shows the cluster read-only', async () => {
    const page = await fixture.newPage()
    await page.goto(site(`/instructor/projector/#view=${projectorKey(fixture.workbook.instructorToken)}`))
    await expect.poll(() => rowsUp(page), { timeout: 15_000 }).toBe(3)
    expect(await page.locator('#projector-view button:visible').count()).toBe(0)
    expect(await page.getByTestId('iv-fault-controls').count()).toBe(0)
    expect(await page.locator('#projector-class').count()).toBe(1)
    await shots(page, 'projector', `/instructor/projector/#view=${projectorKey(fixture.workbook.instructorToken)}`)
    await page.context().close()
  })
})

describe('fault controls, seen from lesson 3', () => {
  it('kill and drain: the instance goes down and comes back in the open widget', async () => {
    lesson = await fixture.newPage()
    await lesson.goto(site('/lessons/scaling/'))
    const widget = lesson.getByTestId('cluster-fanout')
    await widget.scrollIntoViewIfNeeded()
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 15_000 }).toBe('ready')
    await lesson.getByTestId('cf-setup').click()
    await expect.poll(() => lesson.locator('[data-testid="cf-client"][data-status="connected"]').count(), { timeout: 10_000 }).toBe(6)
    await watchCards()

    for (const [action, instance] of [
      ['iv-kill', 'i2'],
      ['iv-drain', 'i3'],
    ] as const) {
      await act(action, instance)
      await expect.poll(seenCards, { timeout: 10_000 }).toContain(`${instance}:connecting`)
      await expect.poll(seenCards, { timeout: 10_000 }).toContain(`down:${instance}`)
      await expect.poll(() => connectedOn(instance), { timeout: 20_000 }).toBe(2)
      expect(await console_.getByTestId('iv-fault-log').textContent()).toMatch(new RegExp(`${instance} (was killed|drained)`))
    }
    await expect.poll(() => rowsUp(console_), { timeout: 10_000 }).toBe(3)
  }, 60_000)

  it('stop and restart Redis: the widget shows Redis down, then recovered', async () => {
    const banner = lesson.getByTestId('cf-redis-banner')
    await act('iv-redis-stop')
    await expect.poll(() => banner.isVisible(), { timeout: 10_000 }).toBe(true)
    expect(await lesson.getByTestId('cluster-fanout').getAttribute('data-redis')).toBe('down')
    await expect.poll(() => console_.locator('[data-testid="iv-redis"]').allTextContents(), { timeout: 10_000 }).not.toContain('ready')
    await shots(console_, 'console', null)
    await act('iv-redis-start')
    await expect.poll(() => banner.isVisible(), { timeout: 15_000 }).toBe(false)
    expect(await lesson.getByTestId('cluster-fanout').getAttribute('data-redis')).toBe('up')
    // Recovered for real: a message from i1 reaches the clients on i2 and i3 through the new Redis.
    await lesson.getByTestId('cf-send-from').selectOption('A@/with-redis')
    await lesson.locator('[data-testid="cf-send-call"][value="io.emit"]').check()
    await lesson.getByTestId('cf-send-text').fill('after the outage')
    await expect
      .poll(
        async () => {
          await lesson.getByTestId('cf-send').click()
          const lane = lesson.locator('[data-testid="cf-lane"][data-namespace="/with-redis"]')
          return lane
            .locator('[data-testid="cf-client"][data-instance="i3"]')
            .getByTestId('cf-received-item')
            .filter({ hasText: 'after the outage' })
            .count()
        },
        { timeout: 15_000, interval: 1_000 },
      )
      .toBeGreaterThan(0)
    await expect
      .poll(() => console_.locator('[data-testid="iv-redis"]').allTextContents(), { timeout: 10_000 })
      .toEqual(['ready', 'ready', 'ready'])
  }, 45_000)
})

/** Saves `page` at 1280 and 390 px, light and dark, when INSTRUCTOR_SHOTS is set. */
async function shots(page: Page, name: string, path: string | null): Promise<void> {
  const dir = process.env.INSTRUCTOR_SHOTS
  if (!dir) return
  for (const width of [1280, 390]) {
    for (const theme of ['light', 'dark']) {
      await page.setViewportSize({ width, height: 900 })
      await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme)
      if (path) await page.waitForTimeout(300)
      await page.screenshot({ path: join(dir, `${name}-${width}-${theme}.png`), fullPage: true })
    }
  }
}
