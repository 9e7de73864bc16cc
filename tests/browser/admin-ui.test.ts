/**
 * The official Socket.IO Admin UI in a real browser, served by `npm start`'s site server from the
 * installed package, against the real 3-instance cluster: it loads nothing remote, a wrong password
 * is refused, the instructor secret logs in, the servers i1, i2, i3 are listed, and a lesson-2
 * widget opened in another page shows up: as its namespace's socket count (`production`, the
 * default), and as its sockets (`development`).
 */
import { mkdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ROOT } from '../../scripts/start/index.ts'
import { SPACE_STORAGE_KEY } from '../../site/src/sandbox/space.ts'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

const SHOTS = `${ROOT}/node_modules/.cache/screenshots`

/** A launcher, a lesson page with a widget client on i2, and an Admin UI page that may load nothing remote. */
function useAdminScenario(mode: 'production' | 'development'): {
  fixture: () => BrowserFixture
  lesson: () => Page
  admin: () => Page
  remote: string[]
} {
  const remote: string[] = []
  let fixture: BrowserFixture | undefined
  let lesson: Page | undefined
  let admin: Page | undefined
  beforeAll(async () => {
    fixture = await startBrowserFixture({ instance: { adminUiMode: mode } })
    lesson = await fixture.newPage()
    admin = await fixture.newPage()
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
  const got = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the scenario did not start')
    return value
  }
  return { fixture: () => got(fixture), lesson: () => got(lesson), admin: () => got(admin), remote }
}

/** Opens lesson 2, adds a `/chat` client on i2; resolves with the page's space code. */
async function openWidgetClient(page: Page, siteUrl: string): Promise<string> {
  await page.goto(`${siteUrl}/lessons/socketio-foundations/`)
  const widget = page.getByTestId('room-playground')
  await widget.scrollIntoViewIfNeeded()
  await expect.poll(() => widget.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready')
  await page.getByTestId('rp-new-instance').selectOption('2')
  await page.getByTestId('rp-new-namespace').selectOption('/chat')
  await page.getByTestId('rp-add-client').click()
  const client = page.locator('[data-testid="rp-client"][data-label="A"]')
  await expect.poll(() => client.getAttribute('data-status'), { timeout: 10_000 }).toBe('connected')
  return page.evaluate((key) => localStorage.getItem(key) ?? '', SPACE_STORAGE_KEY)
}

/** Fills the UI's connection form and submits it. */
async function logIn(page: Page, serverUrl: string, password: string): Promise<void> {
  await page.getByLabel('Server URL').fill(serverUrl)
  await page.getByLabel('Username').fill('instructor')
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Connect' }).click()
}

/** Waits for the UI's page transitions to end, then takes a full-page screenshot. */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.waitForFunction(() => document.getAnimations().every((animation) => animation.playState !== 'running'))
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })
}

/** The row of the Namespaces card (dashboard) for `name`. */
const namespaceRow = (page: Page, name: string) => page.locator('tr', { has: page.locator('code', { hasText: new RegExp(`^${name}$`) }) })

describe('the Admin UI at /admin-ui/ (production mode, the default)', () => {
  const { fixture, lesson, admin, remote } = useAdminScenario('production')
  let space = ''

  it('refuses a wrong password, then logs in with the instructor secret and lists i1, i2, i3', async () => {
    space = await openWidgetClient(lesson(), fixture().workbook.siteUrl)
    expect(space).toMatch(/^[a-z0-9]{6}$/)
    const page = admin()
    await page.goto(`${fixture().workbook.siteUrl}/admin-ui/`)
    const serverUrl = `http://localhost:${fixture().workbook.instances[0]?.port}`
    await logIn(page, serverUrl, 'not-the-secret')
    await expect.poll(() => page.getByText('Invalid credentials').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    await logIn(page, serverUrl, fixture().workbook.instructorToken)
    await page.goto(`${fixture().workbook.siteUrl}/admin-ui/#/servers/`)
    for (const id of ['i1', 'i2', 'i3']) {
      await expect.poll(() => page.getByRole('cell', { name: id, exact: true }).count(), { timeout: 15_000 }).toBe(1)
    }
    await screenshot(page, 'admin-ui-servers')
  })

  it("shows the lesson widget's namespace and its socket count on the dashboard", async () => {
    const page = admin()
    await page.goto(`${fixture().workbook.siteUrl}/admin-ui/#/`)
    const row = namespaceRow(page, `/s/${space}/chat`)
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1)
    expect(Number(await row.locator('td').nth(1).textContent())).toBe(1)
    await screenshot(page, 'admin-ui-dashboard')
  })

  it('loaded nothing from outside this machine; its icon font and Roboto are there', async () => {
    expect(remote).toEqual([])
    const fonts = await admin().evaluate(() => [document.fonts.check('24px "Material Design Icons"'), document.fonts.check('16px Roboto')])
    expect(fonts).toEqual([true, true])
  })

  it('holds at 390 px in its dark theme', async () => {
    const page = admin()
    await page.evaluate(() => localStorage.setItem('dark_theme', 'true'))
    await page.setViewportSize({ width: 390, height: 844 })
    await page.reload()
    await expect.poll(() => namespaceRow(page, `/s/${space}/chat`).count(), { timeout: 15_000 }).toBe(1)
    await screenshot(page, 'admin-ui-dashboard-390-dark')
  })
})

describe('the Admin UI in development mode (ADMIN_UI_MODE=development)', () => {
  const { fixture, lesson, admin, remote } = useAdminScenario('development')

  it('lists the socket of a widget opened on i2 while the UI is connected to i1', async () => {
    // Sockets that connected before the UI are listed only for the namespaces that exist on the
    // instance it is connected to (the package fetches them there); later ones come from every
    // instance, through the namespace's Redis adapter.
    const page = admin()
    await page.goto(`${fixture().workbook.siteUrl}/admin-ui/`)
    await logIn(page, `http://localhost:${fixture().workbook.instances[0]?.port}`, fixture().workbook.instructorToken)
    await expect.poll(() => page.getByText(/^\s*connected\s*$/i).count(), { timeout: 10_000 }).toBeGreaterThan(0)
    const space = await openWidgetClient(lesson(), fixture().workbook.siteUrl)
    await page.goto(`${fixture().workbook.siteUrl}/admin-ui/#/sockets/`)
    await page.locator('main .v-select').first().click()
    await page.getByRole('option', { name: `/s/${space}/chat` }).click()
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(1)
    await screenshot(page, 'admin-ui-sockets-development')
    expect(remote).toEqual([])
  })
})
