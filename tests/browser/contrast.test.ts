/**
 * Contrast that axe-core does not check reliably, measured in the page: every Mermaid diagram
 * label (its text colour against what is painted behind it: the node, the edge label's box, the
 * figure) >= 4.5:1, and every enabled widget / instructor control and badge: its boundary (border,
 * or its own background) >= 3:1 against what surrounds it, its text >= 4.5:1. In the light and the
 * dark theme (each theme draws its own diagram variant), at 1280 px, on every lesson and the
 * instructor console.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'
import { PAGES, THEMES, openSettled, themedContext } from './a11y-pages.ts'

/** One measured pair: what, its ratio, and the floor it must reach. */
interface Reading {
  kind: 'diagram text' | 'control text' | 'control boundary'
  what: string
  ratio: number
  floor: number
}

const CHECKED = PAGES.filter((p) => p.name.startsWith('lesson') || p.name === 'instructor console')
/** Controls and badges whose contrast is measured (disabled controls are exempt in WCAG). */
const CONTROLS =
  ':is(.rtwb-widget, .rtwb-check, #instructor-view) :is(button, select, textarea, input:not([type=hidden], [type=checkbox], [type=radio])):not(:disabled, [aria-disabled=true]), .rtwb-status, .cf-badge'

let fixture: BrowserFixture
let browser: Browser
const lowest = new Map<string, number>()

beforeAll(async () => {
  fixture = await startBrowserFixture()
  browser = fixture.browser
})
afterAll(async () => {
  console.log('lowest contrast per page, theme and kind:')
  for (const [key, ratio] of lowest) console.log(`  ${key}: ${ratio.toFixed(2)}:1`)
  await fixture?.close()
})

/**
 * Runs in the page. The colour behind a point is composited from `elementsFromPoint` (top first)
 * down to the first opaque layer: HTML backgrounds and SVG shape fills, each with its opacity.
 */
function measure(controls: string): Reading[] {
  type Rgba = [number, number, number, number]
  const parse = (value: string): Rgba | null => {
    const [r, g, b, a = 1] = value.match(/[\d.]+/g)?.map(Number) ?? []
    if (!value.startsWith('rgb') || r === undefined || g === undefined || b === undefined) return null
    return [r, g, b, a]
  }
  const over = (top: Rgba, below: Rgba): Rgba => {
    const a = top[3]
    return [top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a), 1]
  }
  const luminance = (c: Rgba): number => {
    const lin = (v: number): number => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4)
    return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
  }
  const ratio = (a: Rgba, b: Rgba): number => {
    const [la, lb] = [luminance(a), luminance(b)]
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05)
  }
  const SHAPES = new Set(['rect', 'path', 'polygon', 'circle', 'ellipse'])
  /** The colour an element paints as a background, or null (text, groups, transparent). */
  const paint = (el: Element): Rgba | null => {
    const cs = getComputedStyle(el)
    const isSvg = el instanceof SVGElement
    if (isSvg && !SHAPES.has(el.tagName.toLowerCase())) return null
    const c = parse(isSvg ? cs.fill : cs.backgroundColor)
    if (!c) return null
    c[3] *= Number(cs.opacity) * (isSvg ? Number(cs.fillOpacity) : 1)
    return c[3] > 0.01 ? c : null
  }
  const canvas = parse(getComputedStyle(document.body).backgroundColor) ?? [255, 255, 255, 1]
  /** The composited colour behind (x, y), leaving out `skip` and its descendants. */
  const behind = (x: number, y: number, skip?: Element): Rgba => {
    const layers: Rgba[] = []
    for (const el of document.elementsFromPoint(x, y)) {
      if (skip && skip.contains(el)) continue
      const c = paint(el)
      if (c) layers.push(c)
      if (c && c[3] >= 0.99) break
    }
    return layers.reduceRight<Rgba>((below, top) => over(top, below), canvas)
  }
  const center = (el: Element): [number, number] => {
    el.scrollIntoView({ block: 'center', inline: 'center' })
    const r = el.getBoundingClientRect()
    return [r.left + r.width / 2, r.top + r.height / 2]
  }
  const readings: Reading[] = []
  const texts = document.querySelectorAll('.rtwb-diagram svg :is(text, foreignObject :is(span, p, div))')
  for (const el of texts) {
    const label = (el.textContent ?? '').trim()
    if (el.querySelector('*') || label === '' || el.getBoundingClientRect().width === 0) continue
    const [x, y] = center(el)
    const bg = behind(x, y)
    const fg = parse(el instanceof SVGElement ? getComputedStyle(el).fill : getComputedStyle(el).color)
    if (fg) readings.push({ kind: 'diagram text', what: label.slice(0, 40), ratio: ratio(over(fg, bg), bg), floor: 4.5 })
  }
  for (const el of document.querySelectorAll(controls)) {
    if (el.getBoundingClientRect().width === 0) continue
    const what = `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').trim().slice(0, 30)}"`
    const [x, y] = center(el)
    const outside = behind(x, y, el)
    const cs = getComputedStyle(el)
    const own = paint(el)
    const fill = own ? over(own, outside) : outside
    const border = Number.parseFloat(cs.borderTopWidth) > 0 && cs.borderTopStyle !== 'none' ? parse(cs.borderTopColor) : null
    const edge = Math.max(ratio(fill, outside), border ? ratio(over(border, outside), outside) : 1)
    // A badge with text and no box needs no boundary; a control always does.
    if (el.matches('button, select, textarea, input') || own || border)
      readings.push({ kind: 'control boundary', what, ratio: edge, floor: 3 })
    const fg = parse(cs.color)
    if (fg && (el.textContent ?? '').trim() !== '')
      readings.push({ kind: 'control text', what, ratio: ratio(over(fg, fill), fill), floor: 4.5 })
  }
  return readings
}

describe('contrast of diagram labels, controls and badges', () => {
  for (const theme of THEMES) {
    for (const spec of CHECKED) {
      it(`${spec.name}, ${theme}`, async () => {
        const context = await themedContext(browser, theme, 1280)
        try {
          const page = await context.newPage()
          await openSettled(page, fixture, spec)
          const readings = await page.evaluate(measure, CONTROLS)
          if (spec.name.startsWith('lesson')) expect(readings.filter((r) => r.kind === 'diagram text').length).toBeGreaterThan(5)
          for (const kind of ['diagram text', 'control text', 'control boundary'] as const) {
            const of = readings.filter((r) => r.kind === kind)
            if (of.length) lowest.set(`${spec.name}, ${theme}, ${kind}`, Math.min(...of.map((r) => r.ratio)))
          }
          const low = readings.filter((r) => r.ratio < r.floor)
          expect(low.map((r) => `${r.kind} ${r.ratio.toFixed(2)}:1 < ${r.floor}: ${r.what}`).join('\n')).toBe('')
        } finally {
          await context.close()
        }
      }, 120_000)
    }
  }
})
