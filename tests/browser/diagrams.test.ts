/**
 * Every Mermaid diagram of every ready lesson stays readable: its smallest label, measured as it
 * appears on screen (font size times the SVG's own scaling, from getBoundingClientRect), is at
 * least 11 px at 1280 px and at 390 px wide, in the light and the dark theme. A diagram wider than
 * the column scrolls inside a focusable, labelled region instead of shrinking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

const LESSONS = ['transports', 'socketio-foundations', 'scaling', 'security-monitoring', 'best-practices'] as const
const WIDTHS = [1280, 390] as const
const THEMES = ['light', 'dark'] as const
const MIN_LABEL_PX = 11

/** What the page reports for one diagram. */
interface DiagramReading {
  label: string
  smallestPx: number
  smallestText: string
  labels: number
  scrollable: boolean
  focusable: boolean
}

let fixture: BrowserFixture
const smallest = new Map<string, number>()

beforeAll(async () => {
  fixture = await startBrowserFixture()
})
afterAll(async () => {
  console.log('smallest on-screen diagram label, px (lesson, width, theme):')
  for (const [key, px] of smallest) console.log(`  ${key}: ${px.toFixed(1)}`)
  await fixture?.close()
})

/**
 * Runs in the page: for the visible SVG of each `.rtwb-diagram`, the effective size of each text
 * label = its computed font size x (rendered SVG width / viewBox width).
 */
function readDiagrams(): DiagramReading[] {
  return [...document.querySelectorAll<HTMLElement>('.rtwb-diagram')].map((figure) => {
    const svg = [...figure.querySelectorAll('svg')].find((s) => s.getBoundingClientRect().width > 0)
    let smallestPx = Number.POSITIVE_INFINITY
    let smallestText = ''
    let labels = 0
    if (svg) {
      const scale = svg.getBoundingClientRect().width / (svg.viewBox.baseVal?.width || svg.getBoundingClientRect().width)
      // Text leaves: SVG <text>/<tspan> without element children, and HTML inside <foreignObject>.
      const leaves = [...svg.querySelectorAll<Element>('text, tspan, foreignObject span, foreignObject p, foreignObject div')].filter(
        (el) => el.children.length === 0 && (el.textContent ?? '').trim() !== '' && el.getBoundingClientRect().width > 0,
      )
      for (const leaf of leaves) {
        labels++
        const px = parseFloat(getComputedStyle(leaf).fontSize) * scale
        if (px < smallestPx) {
          smallestPx = px
          smallestText = (leaf.textContent ?? '').trim().slice(0, 40)
        }
      }
    }
    return {
      label: figure.getAttribute('aria-label') ?? '',
      smallestPx,
      smallestText,
      labels,
      scrollable: getComputedStyle(figure).overflowX === 'auto',
      focusable: figure.tabIndex === 0 && figure.getAttribute('role') === 'region',
    }
  })
}

async function open(width: number, theme: string, lesson: string): Promise<Page> {
  const page = await fixture.newPage()
  await page.setViewportSize({ width, height: 900 })
  await page.addInitScript((value) => localStorage.setItem('starlight-theme', value), theme)
  await page.goto(`${fixture.workbook.siteUrl}/lessons/${lesson}/`)
  // Build mode: the SVGs are in the HTML. Client fallback: each renders once it nears the viewport.
  for (const figure of await page.locator('.rtwb-diagram').all()) {
    await figure.scrollIntoViewIfNeeded()
    await figure.locator('svg').first().waitFor({ state: 'attached', timeout: 20_000 })
  }
  return page
}

describe('diagram labels are readable at every width and theme', () => {
  for (const lesson of LESSONS) {
    for (const width of WIDTHS) {
      for (const theme of THEMES) {
        it(`${lesson} at ${width} px, ${theme}`, async () => {
          const page = await open(width, theme, lesson)
          try {
            const readings = await page.evaluate(readDiagrams)
            expect(readings.length).toBeGreaterThanOrEqual(2)
            smallest.set(`${lesson}, ${width}, ${theme}`, Math.min(...readings.map((r) => r.smallestPx)))
            for (const r of readings) {
              expect(r.labels, r.label).toBeGreaterThan(3)
              expect(r.smallestPx, `${r.label}: "${r.smallestText}"`).toBeGreaterThanOrEqual(MIN_LABEL_PX)
              expect(r.scrollable && r.focusable && r.label !== '', `${r.label}: scroll region`).toBe(true)
            }
          } finally {
            await page.context().close()
          }
        })
      }
    }
  }

  it('a diagram wider than the phone column scrolls with the keyboard', async () => {
    const page = await open(390, 'light', 'scaling')
    try {
      const figure = page.locator('.rtwb-diagram').first()
      await figure.focus()
      const overflows = await figure.evaluate((el) => el.scrollWidth > el.clientWidth)
      if (overflows) {
        await page.keyboard.press('ArrowRight')
        await expect.poll(() => figure.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0)
      }
      expect(await figure.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none')
    } finally {
      await page.context().close()
    }
  })
})
