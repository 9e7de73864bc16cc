/**
 * Browser-test fixture: the real thing, as a learner gets it. Builds the site if stale, starts
 * `npm start`'s launcher on free ports (3 instance processes, the shared Redis with a fresh key
 * prefix), and opens Debian's Chromium through playwright-core. Never downloads a browser.
 */
import { execFileSync } from 'node:child_process'
import { chromium, type Browser, type Page } from 'playwright-core'
import { resolveLauncherConfig } from '../../scripts/start/config.ts'
import { startWorkbook, type Workbook } from '../../scripts/start/index.ts'
import { uniquePrefix } from '../../sandbox-server/test/harness.ts'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

function chromiumPath(): string {
  const found = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser || true']).toString().trim()
  if (!found) throw new Error('Chromium is not installed: `apt-get install chromium` (.ci/run does it)')
  return found
}

export interface BrowserFixture {
  workbook: Workbook
  browser: Browser
  /** A fresh page (own context: own localStorage, so its own learner space). */
  newPage(): Promise<Page>
  close(): Promise<void>
}

export async function startBrowserFixture(): Promise<BrowserFixture> {
  const workbook = await startWorkbook(
    // SKIP_BUILD=1 serves the last build as it is (quicker while iterating on tests).
    resolveLauncherConfig({ sitePort: 0, sandboxPort: 0, keyPrefix: uniquePrefix(), skipBuild: process.env.SKIP_BUILD === '1' ? '1' : '0' }),
    (line) => {
      if (/error|warn|fail/i.test(line)) console.log(line)
    },
  )
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS })
  return {
    workbook,
    browser,
    newPage: async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      const page = await context.newPage()
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`))
      return page
    },
    close: async () => {
      await browser.close()
      await workbook.close()
    },
  }
}
