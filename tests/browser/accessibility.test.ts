/**
 * axe-core on every page a learner or instructor opens (home, the five lessons, the instructor
 * console with its key, the projector view, the 404 page), in the light and the dark theme, at
 * 1280 and 390 px: after scrolling through so every widget has mounted and connected
 * (`data-state="ready"`) and every diagram is drawn. WCAG 2.0/2.1/2.2 A+AA rules; no violation of
 * impact serious or critical may remain. What is skipped is in a11y-exclusions.ts, with reasons.
 * One browser and one cluster serve all 36 runs; afterAll prints the counts per rule.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import type { AxeResults, RunOptions } from 'axe-core'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'
import { AXE_EXCLUSIONS } from './a11y-exclusions.ts'
import { PAGES, THEMES, WIDTHS, openSettled, themedContext } from './a11y-pages.ts'

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']
const FAILING_IMPACTS = new Set(['serious', 'critical'])

/** One violation as the test reports it (axe's result, cut to what a reader needs). */
interface Finding {
  rule: string
  impact: string
  help: string
  nodes: { target: string; html: string; summary: string }[]
}

let fixture: BrowserFixture
const contexts = new Map<string, BrowserContext>()
/** rule -> "theme width" -> elements, over every page (printed in afterAll). */
const tally = new Map<string, Map<string, number>>()

beforeAll(async () => {
  fixture = await startBrowserFixture()
})
afterAll(async () => {
  console.log('axe violations (all impacts), elements per rule and theme/width:')
  for (const [rule, counts] of [...tally].sort()) console.log(`  ${rule}: ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`)
  for (const context of contexts.values()) await context.close()
  await fixture?.close()
})

/** One context per theme and width (its own learner space), reused for the 9 pages. */
async function contextFor(theme: (typeof THEMES)[number], width: number): Promise<BrowserContext> {
  const key = `${theme} ${width}`
  const context = contexts.get(key) ?? (await themedContext(fixture.browser, theme, width))
  contexts.set(key, context)
  return context
}

/** Runs axe in the page with the WCAG A+AA tags and the exclusions; returns the violations. */
async function runAxe(page: Page): Promise<Finding[]> {
  await page.addScriptTag({ content: AXE_SOURCE })
  const rules = Object.fromEntries(AXE_EXCLUSIONS.filter((e) => !e.selectors).map((e) => [e.rule, { enabled: false }]))
  const partial = AXE_EXCLUSIONS.filter((e) => e.selectors)
  return page.evaluate(
    async ({ tags, rules, partial }) => {
      const axe = (window as unknown as { axe: { run(context: Document, options: RunOptions): Promise<AxeResults> } }).axe
      const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'] })
      return result.violations.map((v) => ({
        rule: v.id,
        impact: v.impact ?? 'unknown',
        help: v.help,
        nodes: v.nodes
          .filter(
            (n) =>
              !partial.some((e) => e.rule === v.id && e.selectors?.some((s) => document.querySelector(String(n.target[0]))?.closest(s))),
          )
          .map((n) => ({
            target: n.target.join(' '),
            html: n.html.slice(0, 160),
            summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200),
          })),
      }))
    },
    { tags: WCAG_TAGS, rules, partial },
  )
}

/** A readable list: rule, impact, how many, then each element's selector, snippet and why. */
function describeFindings(findings: Finding[]): string {
  return findings
    .map((f) =>
      [
        `${f.rule} (${f.impact}, ${f.nodes.length}): ${f.help}`,
        ...f.nodes.map((n) => `    ${n.target}\n      ${n.html}\n      ${n.summary}`),
      ].join('\n'),
    )
    .join('\n')
}

describe('axe-core: no serious or critical WCAG 2.2 A/AA violation', () => {
  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      for (const spec of PAGES) {
        it(`${spec.name}, ${theme}, ${width} px`, async () => {
          const page = await (await contextFor(theme, width)).newPage()
          try {
            await openSettled(page, fixture, spec)
            expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme)
            const findings = (await runAxe(page)).filter((f) => f.nodes.length > 0)
            for (const f of findings) {
              const counts = tally.get(f.rule) ?? new Map<string, number>()
              counts.set(`${theme} ${width}`, (counts.get(`${theme} ${width}`) ?? 0) + f.nodes.length)
              tally.set(f.rule, counts)
            }
            const failing = findings.filter((f) => FAILING_IMPACTS.has(f.impact))
            expect(describeFindings(failing)).toBe('')
          } finally {
            await page.close()
          }
          // A lesson at 390 px took up to 60 s under a load average of 40 (2 cores shared).
        }, 120_000)
      }
    }
  }
})
