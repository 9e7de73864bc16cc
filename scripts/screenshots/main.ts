/**
 * `npm run screenshots [-- outDir]`: starts the workbook on free ports, plays a short scenario in
 * lesson 2's and lesson 5's widgets, and saves full-page screenshots (light and dark, desktop and phone) so a
 * person can look at what learners see. Default outDir: /tmp/rtwb-shots.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startBrowserFixture } from '../../tests/browser/fixture.ts'

const outDir = process.argv[2] ?? '/tmp/rtwb-shots'
mkdirSync(outDir, { recursive: true })
const fixture = await startBrowserFixture()

async function playRoomPlayground(page: Page): Promise<void> {
  const widget = page.getByTestId('room-playground')
  await widget.scrollIntoViewIfNeeded()
  await page.waitForSelector('[data-testid="room-playground"][data-state="ready"]', { timeout: 15_000 })
  for (const [instance, namespace] of [
    ['1', '/chat'],
    ['2', '/chat'],
    ['3', '/chat'],
  ] as const) {
    await page.getByTestId('rp-new-instance').selectOption(instance)
    await page.getByTestId('rp-new-namespace').selectOption(namespace)
    await page.getByTestId('rp-add-client').click()
  }
  await page.waitForSelector('[data-testid="rp-client"][data-label="C"][data-status="connected"]')
  for (const label of ['A', 'B']) {
    const card = page.locator(`[data-testid="rp-client"][data-label="${label}"]`)
    await card.getByTestId('rp-room-input').fill('paris')
    await card.getByTestId('rp-join').click()
  }
  await page.getByTestId('rp-send-from').selectOption('A')
  await page.locator('[data-testid="rp-send-call"][value="socket.to(room).emit"]').check()
  await page.getByTestId('rp-send-room').fill('paris')
  await page.getByTestId('rp-send-text').fill('bonjour paris')
  await page.getByTestId('rp-send').click()
  await page.waitForTimeout(800)
}

/** Lesson 5: runs the recovery experiment (a 2 s cut), the one the lesson guides first. */
async function playResilienceLab(page: Page): Promise<void> {
  const lab = page.getByTestId('resilience-lab')
  await lab.scrollIntoViewIfNeeded()
  await page.waitForSelector('[data-testid="resilience-lab"][data-state="ready"]', { timeout: 20_000 })
  await page.getByTestId('rl-cut-seconds').fill('2')
  await page.getByTestId('rl-run-recovery').click()
  await page.waitForSelector('[data-testid="rl-exp-recovery"][data-state="done"]', { timeout: 30_000 })
}

try {
  for (const theme of ['light', 'dark'] as const) {
    for (const [device, width] of [
      ['desktop', 1280],
      ['phone', 390],
    ] as const) {
      const page = await fixture.newPage()
      await page.setViewportSize({ width, height: 900 })
      await page.addInitScript((value) => localStorage.setItem('starlight-theme', value), theme)
      await page.goto(`${fixture.workbook.siteUrl}/`)
      await page.screenshot({ path: join(outDir, `home-${theme}-${device}.png`), fullPage: true })
      await page.goto(`${fixture.workbook.siteUrl}/lessons/socketio-foundations/`)
      await playRoomPlayground(page)
      await page.screenshot({ path: join(outDir, `lesson-2-${theme}-${device}.png`), fullPage: true })
      await page.getByTestId('room-playground').screenshot({ path: join(outDir, `room-playground-${theme}-${device}.png`) })
      // What a learner sees with the widget in view (the README's screenshot).
      await page.evaluate(() => document.querySelector('[data-testid="room-playground"]')?.scrollIntoView({ block: 'start' }))
      await page.evaluate(() => window.scrollBy(0, -72))
      await page.screenshot({ path: join(outDir, `lesson-2-playground-${theme}-${device}.png`) })
      await page.goto(`${fixture.workbook.siteUrl}/lessons/best-practices/`)
      await playResilienceLab(page)
      await page.screenshot({ path: join(outDir, `lesson-5-${theme}-${device}.png`), fullPage: true })
      await page.getByTestId('resilience-lab').screenshot({ path: join(outDir, `resilience-lab-${theme}-${device}.png`) })
      await page.context().close()
    }
  }
  console.log(`screenshots in ${outDir}`)
} finally {
  await fixture.close()
}
