/**
 * The official Socket.IO Admin UI in a real browser, served by `npm start`'s site server from the
 * installed package, against the real 3-instance cluster: it loads nothing remote, a wrong password
 * is refused, the instructor secret logs in, the servers i1, i2, i3 are listed, and the namespace
 * of a lesson-2 widget opened in another page shows its sockets.
 */
import { mkdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ROOT } from '../../scripts/start/index.ts'
import { SPACE_STORAGE_KEY } from '../../site/src/sandbox/space.ts'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let lesson: Page
let admin: Page
const remote: string[] = []
const SHOTS = `${ROOT}/node_modules/.cache/screenshots`

beforeAll(async () => {
  fixture = await startBrowserFixture()
  lesson = await fixture.newPage()
  admin = await fixture.newPage()
  // Everything must come from this machine: a request elsewhere is recorded and refused.
  await admin.context().route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') return route.continue()
    remote.push(url.href)
    return route.abort()
  })
})
afterAll(async () => {
  await fixture?.close()
})

/** Fills the UI's connection form and submits it. */
async function logIn(page: Page, serverUrl: string, password: string): Promise<void> {
  await page.getByLabel('Server URL').fill(serverUrl)
  await page.getByLabel('Username').fill('instructor')
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Connect' }).click()
}

describe('the Admin UI at /admin-ui/', () => {
  it('opens an open lesson-2 widget with a client on i2 first', async () => {
    await lesson.goto(`${fixture.workbook.siteUrl}/lessons/socketio-foundations/`)
    const widget = lesson.getByTestId('room-playground')
    await widget.scrollIntoViewIfNeeded()
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready')
    await lesson.getByTestId('rp-new-instance').selectOption('2')
    await lesson.getByTestId('rp-new-namespace').selectOption('/chat')
    await lesson.getByTestId('rp-add-client').click()
    const client = lesson.locator('[data-testid="rp-client"][data-label="A"]')
    await expect.poll(() => client.getAttribute('data-status'), { timeout: 10_000 }).toBe('connected')
  })

  it('refuses a wrong password, then logs in with the instructor secret and lists i1, i2, i3', async () => {
    await admin.goto(`${fixture.workbook.siteUrl}/admin-ui/`)
    const firstPort = fixture.workbook.instances[0]?.port
    await logIn(admin, `http://localhost:${firstPort}`, 'not-the-secret')
    await expect.poll(() => admin.getByText('Invalid credentials').count(), { timeout: 10_000 }).toBeGreaterThan(0)

    await logIn(admin, `http://localhost:${firstPort}`, fixture.workbook.instructorToken)
    await admin.goto(`${fixture.workbook.siteUrl}/admin-ui/#/servers/`)
    for (const id of ['i1', 'i2', 'i3']) {
      await expect.poll(() => admin.getByRole('cell', { name: id, exact: true }).count(), { timeout: 15_000 }).toBe(1)
    }
    mkdirSync(SHOTS, { recursive: true })
    await admin.screenshot({ path: `${SHOTS}/admin-ui-servers.png`, fullPage: true })
  })

  it("shows the lesson widget's namespace and its sockets on the dashboard", async () => {
    const space = await lesson.evaluate((key) => localStorage.getItem(key) ?? '', SPACE_STORAGE_KEY)
    expect(space).toMatch(/^[a-z0-9]{6}$/)
    await admin.goto(`${fixture.workbook.siteUrl}/admin-ui/#/`)
    const row = admin.locator('tr', { has: admin.locator('code', { hasText: `/s/${space}/chat` }) })
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1)
    expect(Number(await row.locator('td').nth(1).textContent())).toBeGreaterThanOrEqual(1)
    await admin.screenshot({ path: `${SHOTS}/admin-ui-dashboard.png`, fullPage: true })
  })

  it('loaded nothing from outside this machine, and its icon font is there', async () => {
    expect(remote).toEqual([])
    const iconFont = await admin.evaluate(() => document.fonts.check('24px "Material Design Icons"'))
    expect(iconFont).toBe(true)
  })
})
