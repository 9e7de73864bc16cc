/**
 * Browser-test fixture: the real thing, as a learner gets it. Builds the site if stale, starts
 * `npm start`'s launcher on free ports (3 instance processes, the shared Redis with a fresh key
 * prefix), and opens Debian's Chromium through playwright-core. Never downloads a browser.
 */
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { BUDGET, measurePageAssets, type PageAssets } from '../../scripts/check-budget/index.ts'
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs'
import { resolveLauncherConfig, type LauncherOptions } from '../../scripts/start/config.ts'
import { ROOT, startWorkbook, type Workbook } from '../../scripts/start/index.ts'
import { uniquePrefix } from '../../sandbox-server/test/harness.ts'

function chromiumPath(): string {
  const found = findChromium()
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

/**
 * `options`: launcher options over the defaults (e.g. a `redisUrl` the launcher must start its own
 * Redis at, or `instance` settings of every instance such as `{ adminUiMode: 'development' }`).
 */
export async function startBrowserFixture(options: LauncherOptions = {}): Promise<BrowserFixture> {
  const workbook = await startWorkbook(
    // SKIP_BUILD=1 serves the last build as it is (quicker while iterating on tests).
    resolveLauncherConfig({
      sitePort: 0,
      sandboxPort: 0,
      keyPrefix: uniquePrefix(),
      skipBuild: process.env.SKIP_BUILD === '1' ? '1' : '0',
      ...options,
    }),
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

/**
 * Asserts a built page holds the budgets (check-budget's, or a page's own smaller JS budget, e.g.
 * the 36 KB lessons 4 and 5 were asked for) and prints its figures.
 *
 * @example
 * expectWithinBudget('lessons/security-monitoring/index.html', 36_000)
 */
export function expectWithinBudget(pagePath: string, jsBytes: number = BUDGET.jsBytes): PageAssets {
  const assets = measurePageAssets(`${ROOT}/site/dist`, pagePath)
  const js = assets.jsGzipBytes - assets.jsOnDemandGzipBytes
  console.log(
    `${pagePath}: JS ${js} B gzip (+${assets.jsOnDemandGzipBytes} B on demand: search, experiment runners), CSS ${assets.cssGzipBytes} B gzip`,
  )
  expect(js).toBeLessThanOrEqual(jsBytes)
  expect(assets.cssGzipBytes).toBeLessThanOrEqual(BUDGET.cssBytes)
  return assets
}
