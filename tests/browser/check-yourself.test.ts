/**
 * "Check yourself" as a learner meets it, in the built lesson 2 page: inline code stays in its
 * sentence in options, explanations and rubric points; a graded question marks the learner's wrong
 * pick; Retry asks before it clears anything; the section is listed in "On this page".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let page: Page

beforeAll(async () => {
  fixture = await startBrowserFixture()
  page = await fixture.newPage()
  await page.goto(`${fixture.workbook.siteUrl}/lessons/socketio-foundations/`)
})
afterAll(async () => {
  await fixture?.close()
})

/** True when every `code` in `scope` sits on a text line shared with other text (not alone as a block). */
async function codeIsInline(scope: Locator): Promise<{ total: number; blocks: string[] }> {
  return scope.evaluate((root) => {
    const codes = [...root.querySelectorAll('code')].filter((c) => c.getClientRects().length > 0)
    const blocks = codes
      .filter((code) => {
        const parent = code.parentElement
        const display = getComputedStyle(code).display
        // A flex/grid parent turns each inline child into its own block-level item.
        const parentDisplay = parent ? getComputedStyle(parent).display : 'block'
        return display !== 'inline' || /flex|grid/.test(parentDisplay)
      })
      .map((code) => code.textContent ?? '')
    return { total: codes.length, blocks }
  })
}

describe('check yourself, lesson 2', () => {
  it('is listed in "On this page"', async () => {
    const link = page.locator('a[href="#check-yourself"]:visible')
    expect(await link.count()).toBe(1)
    expect((await link.textContent())?.trim()).toBe('Check yourself')
  })

  it('keeps inline code inline in options, explanations and rubric points', async () => {
    for (const form of await page.locator('form[data-question]').all()) {
      await form.locator('[data-feedback]').evaluate((el) => el.removeAttribute('hidden'))
    }
    await page.locator('[data-reveal]').click()
    const result = await codeIsInline(page.locator('.rtwb-check'))
    expect(result.total).toBeGreaterThan(20)
    expect(result.blocks).toEqual([])
    await page.reload()
  })

  it("marks the learner's wrong pick and the right answer after grading", async () => {
    const question = page.locator('form[data-question][data-kind="single"]').first()
    const answer = (await question.getAttribute('data-answer')) ?? ''
    const wrong = question.locator(`input[data-option]:not([value="${answer}"])`).first()
    const wrongId = (await wrong.getAttribute('value')) ?? ''
    await wrong.check()
    await question.getByRole('button', { name: 'Check' }).click()
    const wrongLabel = question.locator(`[data-option-label="${wrongId}"]`)
    expect(await wrongLabel.getAttribute('data-picked-wrong')).toBe('true')
    expect(await wrongLabel.locator('[data-option-mark]').textContent()).toBe('✗ Your pick: wrong')
    expect(await question.locator(`[data-option-label="${answer}"] [data-option-mark]`).textContent()).toBe('✓ Right answer (not picked)')
  })

  it('asks before Retry clears the answers, and Keep leaves them', async () => {
    await page.getByRole('button', { name: 'Retry the quiz' }).click()
    const keep = page.getByRole('button', { name: 'Keep my answers' })
    expect(await keep.isVisible()).toBe(true)
    expect(await keep.evaluate((el) => el === document.activeElement)).toBe(true)
    await keep.click()
    expect(await page.locator('form[data-question][data-state="incorrect"]').count()).toBe(1)

    await page.getByRole('button', { name: 'Retry the quiz' }).click()
    await page.getByRole('button', { name: 'Yes, clear my answers' }).click()
    expect(await page.locator('form[data-question][data-state="incorrect"]').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Retry the quiz' }).isVisible()).toBe(false)
  })
})
