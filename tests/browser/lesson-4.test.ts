/**
 * Lesson 4 in a real browser against the real cluster: the security lab runs its attacks on the
 * learner's own space and shows each answer's code (and, when the instances stream them, the log
 * line and the metric that moved); the page holds the budgets. With `LAB_SHOTS=<dir>` it also
 * saves the lab at 1280 and 390 px, light and dark.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { expectWithinBudget, startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let page: Page
const LESSON = '/lessons/security-monitoring/'

async function openLab(target: Page): Promise<void> {
  await target.goto(`${fixture.workbook.siteUrl}${LESSON}`)
  await target.getByTestId('security-lab').scrollIntoViewIfNeeded()
  await target.waitForSelector('[data-testid="security-lab"][data-state="ready"]', { timeout: 15_000 })
}

beforeAll(async () => {
  fixture = await startBrowserFixture()
  page = await fixture.newPage()
  await openLab(page)
})
afterAll(async () => {
  await fixture?.close()
})

/** Runs one attack and returns the codes its card shows. */
async function attack(id: string, timeout = 20_000): Promise<string[]> {
  await page.getByTestId(`lab-btn-${id}`).click()
  await expect.poll(() => page.getByTestId(`lab-attack-${id}`).getAttribute('data-state'), { timeout }).toBe('done')
  return page.getByTestId(`lab-code-${id}`).allTextContents()
}

describe('lesson 4 page', () => {
  it('holds the budgets: 36 KB of JS with the lab chunk, no JWT library in the browser', () => {
    expectWithinBudget('lessons/security-monitoring/index.html', 36_000)
  })
})

describe('security lab', () => {
  it('refuses bad tokens at the handshake, each with its code', async () => {
    expect(await attack('no-token')).toEqual(['TOKEN_MISSING'])
    expect(await page.getByTestId('lab-metric-no-token').textContent()).toContain('Rejected handshakes (your space)')
    // The instance logged the refusal, and its observer streamed the line to this space's lab.
    expect(await page.getByTestId('lab-log-no-token').textContent()).toContain('code=TOKEN_MISSING')
    expect(await attack('forged')).toEqual(['TOKEN_INVALID_SIGNATURE', 'TOKEN_ALG_NONE'])
    expect(await attack('expired')).toEqual(['TOKEN_EXPIRED'])
    expect(await attack('other-space')).toEqual(['TOKEN_WRONG_AUDIENCE'])
  })

  it('refuses a forbidden room to a learner token, which stays connected', async () => {
    expect(await attack('learner')).toEqual(['CONNECTED'])
    expect(await attack('forbidden-room')).toEqual(['FORBIDDEN'])
    expect(await page.getByTestId('lab-result-forbidden-room').textContent()).toContain('still connected')
    // The refusal is logged with its space, so the instance streams the line to this lab.
    expect(await page.getByTestId('lab-log-forbidden-room').textContent()).toContain('code=FORBIDDEN')
    expect(await attack('forbidden-event')).toEqual(['FORBIDDEN'])
  })

  it('shows markup from a message as text', async () => {
    expect(await attack('markup')).toEqual(['OK'])
    expect(await page.getByTestId('lab-result-markup').textContent()).toContain('shows as text: <img src=x onerror=alert(1)>')
    expect(await page.getByTestId('security-lab').locator('img').count()).toBe(0)
  })

  it('gives three sockets of one user on three instances one budget', async () => {
    expect((await attack('flood-one')).at(-1)).toBe('RATE_LIMITED')
    const codes = await attack('flood-three')
    expect(codes.at(-1)).toBe('RATE_LIMITED')
    expect(await page.getByTestId('lab-result-flood-three').textContent()).toMatch(/socket 1 on i1.*socket 2 on i2.*socket 3 on i3/s)
    // The refused events are counted for this space: the metric moved.
    await expect
      .poll(() => page.getByTestId('lab-metric-flood-three').textContent(), { timeout: 5_000 })
      .toMatch(/Rate-limited events \(your space\): \d+ -> [1-9]\d*/)
    // And logged (sampled), streamed to this space's lab.
    await expect.poll(() => page.getByTestId('lab-log-flood-three').textContent(), { timeout: 5_000 }).toContain('code=RATE_LIMITED')
  })

  it('closes an oversized WebSocket message with 1009 and answers an oversized polling POST with 413', async () => {
    expect(await attack('oversized')).toEqual(['maxHttpBufferSize', '1009', '413'])
    // Engine.IO refuses both silently; the instance logs them, and the lab's raw requests name the space.
    await expect
      .poll(() => page.getByTestId('lab-log-oversized').textContent(), { timeout: 5_000 })
      .toMatch(/code=PAYLOAD_TOO_LARGE[\s\S]*code=PAYLOAD_TOO_LARGE/)
    expect(await page.getByTestId('lab-metric-oversized').textContent()).toContain('Oversized packets (your space): 0 -> 2')
  })

  it('shows the refused attempts of the attacker page on another origin', async () => {
    const codes = await attack('cross-origin', 30_000)
    expect(codes.length).toBeGreaterThanOrEqual(6)
    expect(codes).not.toContain('succeeded')
    // The attacker page named this space in its handshakes: their refusals reach this lab.
    await expect.poll(() => page.getByTestId('lab-log-cross-origin').textContent(), { timeout: 5_000 }).toContain('code=FORBIDDEN_ORIGIN')
    expect(await page.getByTestId('lab-metric-cross-origin').textContent()).toMatch(/Rejected handshakes \(your space\): \d+ -> [1-9]/)
  })

  it('fills the monitoring panel', async () => {
    await expect.poll(() => page.getByTestId('lab-panel-status').textContent(), { timeout: 5_000 }).toContain('3 of 3 instances answered')
    // The cluster column too: each instance's own event rates and ack times (the attacks above made acks).
    for (const key of ['eventsIn', 'eventsOut', 'ackP50', 'ackP99']) {
      const cluster = page.getByTestId(`lab-row-${key}`).locator('td .lab-value').nth(1)
      await expect.poll(() => cluster.textContent(), { timeout: 5_000 }).not.toBe('—')
    }
    const shots = process.env.LAB_SHOTS
    if (!shots) return
    for (const theme of ['light', 'dark'] as const) {
      for (const width of [1280, 390]) {
        const shot = await fixture.newPage()
        await shot.setViewportSize({ width, height: 900 })
        await shot.addInitScript((value) => localStorage.setItem('starlight-theme', value), theme)
        await openLab(shot)
        // Starlight's sticky header would cover part of an element screenshot.
        await shot.addStyleTag({ content: '.header { position: absolute !important; }' })
        await shot.getByTestId('lab-btn-no-token').click()
        await expect.poll(() => shot.getByTestId('lab-attack-no-token').getAttribute('data-state'), { timeout: 10_000 }).toBe('done')
        await shot.getByTestId('lab-btn-markup').click()
        await expect.poll(() => shot.getByTestId('lab-attack-markup').getAttribute('data-state'), { timeout: 10_000 }).toBe('done')
        await shot.getByTestId('security-lab').screenshot({ path: join(shots, `lab-${theme}-${width}.png`) })
        await shot.context().close()
      }
    }
  })
})
