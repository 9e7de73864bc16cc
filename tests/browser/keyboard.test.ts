/**
 * Keyboard-only flows (issue 13, item 3): every widget's first guided experiment done with Tab,
 * Shift+Tab, Enter, Space and the arrows alone (text typed into a focused field), never a click.
 * After every key: focus is on an element (never `<body>`), inside the widget while it is being
 * used (Tab from the last control leaves it, Shift+Tab from the first goes back: not trapped), and
 * VISIBLE: the project's own focus ring (an outline, not the browser's `auto` default, or a box
 * shadow) whose colour stands out 3:1 against the page. The outcomes are the ones the widgets'
 * own browser tests check after clicking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { startBrowserFixture, type BrowserFixture } from './fixture.ts'

let fixture: BrowserFixture
let classCode = ''

beforeAll(async () => {
  fixture = await startBrowserFixture()
})
afterAll(async () => {
  await fixture?.close()
})

/** What a key press left focused, as the page sees it. */
interface Focus {
  tag: string
  testid: string
  inside: boolean
  visible: boolean
  ring: string
  ringContrast: number
  text: string
}

/** A keyboard session on one widget: `scope` is the widget's root selector. */
interface Keys {
  page: Page
  scope: string
  log: string[]
}

const readFocus = (keys: Keys): Promise<Focus | null> =>
  keys.page.evaluate((scope) => {
    const el = document.activeElement
    if (!(el instanceof HTMLElement) || el === document.body) return null
    const luminance = (rgb: string): number => {
      const [r, g, b] = (rgb.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
        const c = Number(v) / 255
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
      }) as [number, number, number]
      return 0.2126 * r + 0.7152 * g + 0.0722 * b
    }
    const style = getComputedStyle(el)
    const width = parseFloat(style.outlineWidth)
    const outline = style.outlineStyle !== 'none' && style.outlineStyle !== 'auto' && width > 0
    const shadow = style.boxShadow !== 'none'
    const ring = outline ? `outline ${style.outlineStyle} ${width}px ${style.outlineColor}` : shadow ? `shadow ${style.boxShadow}` : ''
    const ringColor = outline ? style.outlineColor : (style.boxShadow.match(/rgba?\([^)]*\)/)?.[0] ?? '')
    let page = getComputedStyle(document.body).backgroundColor
    if (/rgba\(0, 0, 0, 0\)/.test(page)) page = getComputedStyle(document.documentElement).backgroundColor
    const [hi, lo] = [luminance(ringColor), luminance(page)].sort((a, b) => b - a) as [number, number]
    const rect = el.getBoundingClientRect()
    return {
      tag: el.tagName.toLowerCase(),
      testid: el.dataset.testid ?? '',
      inside: Boolean(el.closest(scope)),
      visible: rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden' && !el.closest('[hidden]'),
      ring,
      ringContrast: ringColor ? (hi + 0.05) / (lo + 0.05) : 0,
      text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30),
    }
  }, keys.scope)

const describeFocus = (f: Focus | null): string => (f ? `${f.tag}[${f.testid || f.text}]` : 'body')

/**
 * Presses `key` and checks where focus went: not lost, visible with a ring, and inside the widget
 * unless `outside` says it may (or must) leave.
 */
async function press(keys: Keys, key: string, outside: 'inside' | 'may-leave' | 'must-leave' = 'inside'): Promise<Focus> {
  await keys.page.keyboard.press(key)
  // A re-render (a click's answer, a list redrawn) runs on the next tasks: let it happen first.
  await keys.page.waitForTimeout(30)
  const focus = await readFocus(keys)
  keys.log.push(`${key} -> ${describeFocus(focus)}`)
  const where = `${key} (after ${keys.log.slice(-4, -1).join(', ')})`
  expect(focus, `focus lost to <body> by ${where}`).not.toBeNull()
  const f = focus as Focus
  if (outside === 'inside') expect(f.inside, `${where} left the widget for ${describeFocus(f)}`).toBe(true)
  if (outside === 'must-leave') expect(f.inside, `${where} stayed in the widget (trapped) on ${describeFocus(f)}`).toBe(false)
  if (f.inside) {
    expect(f.visible, `${where} focused a hidden element ${describeFocus(f)}`).toBe(true)
    expect(f.ring, `${where}: no visible focus ring on ${describeFocus(f)}`).not.toBe('')
    expect(f.ringContrast, `${where}: focus ring on ${describeFocus(f)} (${f.ring}) is faint`).toBeGreaterThanOrEqual(3)
  }
  return f
}

const focusIs = (keys: Keys, selector: string): Promise<boolean> =>
  keys.page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)

/** Tab when `selector`'s first match comes after the focused element, Shift+Tab when it comes before. */
const towards = (keys: Keys, selector: string): Promise<'Tab' | 'Shift+Tab'> =>
  keys.page.evaluate((s) => {
    const target = document.querySelector(s)
    const active = document.activeElement
    if (!target || !active) return 'Tab'
    return active.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_PRECEDING ? 'Shift+Tab' : 'Tab'
  }, selector)

/**
 * Tabs (forward or back, towards the target) until the focused element matches `selector`; no key
 * when it already does.
 */
async function tabTo(keys: Keys, selector: string, max = 60): Promise<void> {
  if (await focusIs(keys, selector)) return
  const key = await towards(keys, selector)
  for (let i = 0; i < max; i += 1) {
    await press(keys, key)
    if (await focusIs(keys, selector)) return
  }
  throw new Error(`${selector} not reached in ${max} × ${key}: ${keys.log.slice(-8).join(', ')}`)
}

/** Types into the focused field (select-all first, so it replaces what was there). */
async function typeText(keys: Keys, text: string): Promise<void> {
  await keys.page.keyboard.press('ControlOrMeta+A')
  await keys.page.keyboard.type(text)
  keys.log.push(`type ${JSON.stringify(text)}`)
  expect(await keys.page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value)).toBe(text)
}

/** Moves a focused `<select>` with the arrows until its value is `value`. */
async function choose(keys: Keys, value: string): Promise<void> {
  for (let i = 0; i < 12; i += 1) {
    const current = await keys.page.evaluate(() => (document.activeElement as HTMLSelectElement | null)?.value)
    if (current === value) return
    const options = await keys.page.evaluate(() => [...((document.activeElement as HTMLSelectElement).options ?? [])].map((o) => o.value))
    await press(keys, options.indexOf(value) > options.indexOf(current ?? '') ? 'ArrowDown' : 'ArrowUp')
  }
  throw new Error(`option ${value} not reached: ${keys.log.slice(-6).join(', ')}`)
}

/**
 * Puts focus on the last focusable element before the widget (the set-up, as a learner reading down
 * the page would arrive), then enters with Tab and checks Shift+Tab goes back out and Tab in again.
 */
async function enter(page: Page, scope: string): Promise<Keys> {
  const keys: Keys = { page, scope, log: [] }
  await page.locator(scope).first().scrollIntoViewIfNeeded()
  await page.evaluate((s) => {
    const widget = document.querySelector(s) as HTMLElement
    const focusable = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex="0"]')]
    const before = focusable.filter(
      (el) => widget.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING && el.getClientRects().length > 0,
    )
    before.at(-1)?.focus()
  }, scope)
  await press(keys, 'Tab')
  await press(keys, 'Shift+Tab', 'must-leave')
  await press(keys, 'Tab')
  return keys
}

/** True when nothing focusable follows the focused element (Tab then leaves the page itself). */
const lastOnPage = (keys: Keys): Promise<boolean> =>
  keys.page.evaluate(() => {
    const active = document.activeElement
    const focusable = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex="0"]')]
    return !focusable.some(
      (el) =>
        active?.compareDocumentPosition(el) === Node.DOCUMENT_POSITION_FOLLOWING &&
        el.getClientRects().length > 0 &&
        !(el as HTMLButtonElement).disabled,
    )
  })

/**
 * Tabs on until focus leaves the widget (it must, within `max`), then Shift+Tab comes back. A
 * widget last on its page has nowhere to go: reaching its last control is enough there.
 */
async function leave(keys: Keys, max = 80): Promise<void> {
  for (let i = 0; i < max; i += 1) {
    if (await lastOnPage(keys)) return
    const f = await press(keys, 'Tab', 'may-leave')
    if (!f.inside) {
      await press(keys, 'Shift+Tab')
      return
    }
  }
  throw new Error(`Tab never left ${keys.scope} (trapped): ${keys.log.slice(-8).join(', ')}`)
}

async function openLesson(path: string, testid: string, theme: 'light' | 'dark' = 'light'): Promise<Keys> {
  const page = await fixture.newPage()
  await page.addInitScript((value) => localStorage.setItem('starlight-theme', value), theme)
  await page.goto(`${fixture.workbook.siteUrl}${path}`)
  const scope = `[data-testid="${testid}"]`
  await page.locator(scope).scrollIntoViewIfNeeded()
  await expect.poll(() => page.locator(scope).getAttribute('data-state'), { timeout: 20_000 }).toBe('ready')
  return enter(page, scope)
}

const byId = (testid: string, extra = ''): string => `[data-testid="${testid}"]${extra}`

/**
 * Lesson 2's experiment 3 (union, not sum) from where the flow above left it: B and C join lyon,
 * `io.to(rooms).emit` to paris and lyon. While focus is on a union checkbox, a client changes (C
 * joins marseille: clicked from a script, which moves no focus, as a classmate's or a reconnect's
 * change would arrive): the send form re-renders and focus must stay on that very checkbox, ticked.
 */
async function unionKeepsFocus(keys: Keys, client: (label: string) => string): Promise<void> {
  const { page } = keys
  for (const label of ['B', 'C']) {
    await tabTo(keys, `${client(label)} [data-testid="rp-room-input"]`)
    await typeText(keys, 'lyon')
    await press(keys, 'Enter')
    await expect.poll(() => page.locator(`${client(label)} [data-room="lyon"]`).count(), { timeout: 5_000 }).toBe(1)
  }
  await tabTo(keys, byId('rp-send-call'))
  await radioTo(keys, 'io.to(rooms).emit')
  const box = (room: string) => `${byId('rp-send-rooms')}[value="${room}"]`
  for (const room of ['lyon', 'paris']) {
    await tabTo(keys, box(room))
    await press(keys, 'Space')
  }
  await page.evaluate(
    (sel) => document.querySelector<HTMLButtonElement>(`${sel} button[aria-label="C: join marseille"]`)?.click(),
    client('C'),
  )
  await expect.poll(() => page.locator(`${client('C')} [data-room="marseille"]`).count(), { timeout: 5_000 }).toBe(1)
  await page.waitForTimeout(50)
  expect(await focusIs(keys, `${box('paris')}:checked`), `focus left the paris checkbox: ${keys.log.slice(-3).join(', ')}`).toBe(true)
  expect(await page.locator(`${box('lyon')}:checked`).count()).toBe(1)
  await tabTo(keys, byId('rp-send-text'))
  await typeText(keys, 'union once')
  await press(keys, 'Enter')
  const got = (label: string) =>
    page
      .locator(`${client(label)} [data-testid="rp-received-item"]`)
      .filter({ hasText: 'union once' })
      .count()
  for (const label of ['A', 'B', 'C']) await expect.poll(() => got(label), { timeout: 5_000 }).toBe(1)
}

describe('keyboard only', () => {
  it('lesson 1, transport race: start at 1 event/s, then stop; every transport got the same events', async () => {
    const keys = await openLesson('/lessons/transports/', 'transport-race')
    const { page } = keys
    await tabTo(keys, byId('tr-rate'))
    await choose(keys, '1')
    await tabTo(keys, byId('tr-start'))
    await press(keys, 'Enter')
    const widget = page.getByTestId('transport-race')
    await expect.poll(() => widget.getAttribute('data-state')).toBe('running')
    const events = (t: string) =>
      page
        .locator(`[data-testid="tr-panel"][data-transport="${t}"] [data-testid="tr-events"]`)
        .textContent()
        .then((s) => Number(s?.replace(/[^\d]/g, '') || NaN))
    await expect.poll(() => events('websocket'), { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    // Start is disabled while the race runs: focus moved on to Stop.
    await readFocusCheck(keys)
    await tabTo(keys, byId('tr-stop'), 3)
    await press(keys, 'Enter')
    await expect.poll(() => widget.getAttribute('data-state')).not.toBe('running')
    await readFocusCheck(keys)
    await expect
      .poll(async () => {
        const c = await Promise.all(['long-polling', 'sse', 'websocket'].map(events))
        return Math.max(...c) - Math.min(...c)
      })
      .toBeLessThanOrEqual(2)
    await leave(keys)
    console.log(`transport race keys: ${keys.log.length}`)
    await page.context().close()
  })

  it('lesson 2, room playground: A, B, C on instances 1-3 in /chat; A and B join paris; socket.to(room).emit from A reaches B only', async () => {
    const keys = await openLesson('/lessons/socketio-foundations/', 'room-playground')
    const { page } = keys
    const client = (label: string) => `[data-testid="rp-client"][data-label="${label}"]`
    for (const instance of ['1', '2', '3']) {
      await tabTo(keys, byId('rp-new-instance'))
      await choose(keys, instance)
      await tabTo(keys, byId('rp-new-namespace'))
      await choose(keys, '/chat')
      await tabTo(keys, byId('rp-add-client'))
      await press(keys, 'Enter')
    }
    for (const label of ['A', 'B', 'C'])
      await expect.poll(() => page.locator(client(label)).getAttribute('data-status'), { timeout: 10_000 }).toBe('connected')
    for (const label of ['A', 'B']) {
      await tabTo(keys, `${client(label)} [data-testid="rp-room-input"]`)
      await typeText(keys, 'paris')
      await press(keys, 'Enter')
      await expect.poll(() => page.locator(`${client(label)} [data-room="paris"]`).count(), { timeout: 5_000 }).toBe(1)
      await readFocusCheck(keys)
    }
    await tabTo(keys, byId('rp-send-from'))
    await choose(keys, 'A')
    await tabTo(keys, byId('rp-send-call'))
    await radioTo(keys, 'socket.to(room).emit')
    await tabTo(keys, byId('rp-send-room'))
    await typeText(keys, 'paris')
    await tabTo(keys, byId('rp-send-text'))
    await typeText(keys, 'bonjour paris')
    await press(keys, 'Enter')
    const got = (label: string) =>
      page
        .locator(`${client(label)} [data-testid="rp-received-item"]`)
        .filter({ hasText: 'bonjour paris' })
        .count()
    await expect.poll(() => got('B'), { timeout: 5_000 }).toBe(1)
    expect(await got('A')).toBe(0)
    expect(await got('C')).toBe(0)
    await readFocusCheck(keys)
    await unionKeepsFocus(keys, client)
    await leave(keys, 160)
    await page.context().close()
  })

  it('lesson 3, cluster fan-out: set up the clients, io.emit from A in both namespaces; only /with-redis reaches every instance', async () => {
    const keys = await openLesson('/lessons/scaling/', 'cluster-fanout')
    const { page } = keys
    const received = (ns: string, instance: string, text: string) =>
      page
        .locator(
          `[data-testid="cf-lane"][data-namespace="${ns}"] [data-testid="cf-client"][data-instance="${instance}"] [data-testid="cf-received-item"]`,
        )
        .filter({ hasText: text })
        .count()
    await tabTo(keys, byId('cf-setup'))
    await press(keys, 'Enter')
    await expect.poll(() => page.locator('[data-testid="cf-client"][data-status="connected"]').count(), { timeout: 10_000 }).toBe(6)
    await readFocusCheck(keys)
    for (const ns of ['/without-redis', '/with-redis']) {
      await tabTo(keys, byId('cf-send-from'))
      await choose(keys, `A@${ns}`)
      await tabTo(keys, byId('cf-send-call'))
      await radioTo(keys, 'io.emit')
      await tabTo(keys, byId('cf-send-text'))
      await typeText(keys, `hello ${ns}`)
      await press(keys, 'Enter')
      await readFocusCheck(keys)
    }
    for (const instance of ['i1', 'i2', 'i3'])
      await expect.poll(() => received('/with-redis', instance, 'hello /with-redis'), { timeout: 5_000 }).toBe(1)
    await expect.poll(() => received('/without-redis', 'i1', 'hello /without-redis'), { timeout: 5_000 }).toBe(1)
    for (const instance of ['i2', 'i3']) expect(await received('/without-redis', instance, 'hello /without-redis')).toBe(0)
    await expect.poll(() => page.getByTestId('cf-redis-row').count()).toBeGreaterThan(0)
    await leave(keys, 150)
    await page.context().close()
  })

  it('lesson 4, security lab (dark theme): no token is refused with TOKEN_MISSING', async () => {
    const keys = await openLesson('/lessons/security-monitoring/', 'security-lab', 'dark')
    const { page } = keys
    await tabTo(keys, byId('lab-btn-no-token'))
    await press(keys, 'Enter')
    await expect.poll(() => page.getByTestId('lab-attack-no-token').getAttribute('data-state'), { timeout: 20_000 }).toBe('done')
    expect(await page.getByTestId('lab-code-no-token').allTextContents()).toEqual(['TOKEN_MISSING'])
    await readFocusCheck(keys)
    await leave(keys, 150)
    await page.context().close()
  })

  it('lesson 5, resilience lab (dark theme): a 2 s cut is recovered on /streams, lost on /pubsub', async () => {
    const keys = await openLesson('/lessons/best-practices/', 'resilience-lab', 'dark')
    const { page } = keys
    await tabTo(keys, byId('rl-cut-seconds'))
    await typeText(keys, '2')
    await tabTo(keys, byId('rl-run-recovery'))
    await press(keys, 'Enter')
    const card = page.getByTestId('rl-exp-recovery')
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 60_000 }).toBe('done')
    expect(await card.getAttribute('data-streams-recovered')).toBe('true')
    expect(await card.getAttribute('data-pubsub-recovered')).toBe('false')
    await readFocusCheck(keys)
    await leave(keys, 150)
    await page.context().close()
  })

  it('check yourself (dark theme): answers the first question with arrows/Space, checks it with Enter; the workbook takes a draft and reveals its rubric', async () => {
    const page = await fixture.newPage()
    await page.addInitScript(() => localStorage.setItem('starlight-theme', 'dark'))
    await page.goto(`${fixture.workbook.siteUrl}/lessons/socketio-foundations/`)
    const keys = await enter(page, '.rtwb-check')
    const first = page.locator('form[data-question]').first()
    const q = `form[data-question="${await first.getAttribute('data-question')}"]`
    const kind = await first.getAttribute('data-kind')
    const answer = ((await first.getAttribute('data-answer')) ?? '').split(' ')
    await tabTo(keys, `${q} input[data-option]`)
    const options = await first.locator('input[data-option]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))
    for (const [n, value] of options.entries()) {
      if (n > 0) await press(keys, kind === 'single' ? 'ArrowDown' : 'Tab')
      if (kind === 'single' && n === 0) await press(keys, ' ')
      if (kind === 'single' && value === answer[0]) break
      if (kind !== 'single' && answer.includes(value)) await press(keys, ' ')
    }
    await tabTo(keys, `${q} button[type="submit"]`)
    await press(keys, 'Enter')
    expect(await first.getAttribute('data-state')).toBe('correct')
    await readFocusCheck(keys)
    await tabTo(keys, '[data-workbook] textarea[data-draft]', 120)
    await page.keyboard.type('Rooms are server-side.')
    await tabTo(keys, '[data-workbook] [data-reveal]')
    await press(keys, 'Enter')
    expect(await page.locator('[data-workbook] [data-rubric]').isVisible()).toBe(true)
    await tabTo(keys, '[data-workbook] input[data-point]')
    await press(keys, ' ')
    await expect.poll(() => page.locator('[data-workbook] [data-count]').textContent()).toMatch(/^1 of \d+/)
    await leave(keys, 40)
    await page.context().close()
  })

  it('instructor console: opens a class with Enter; kill i3 through its dialog, which gives focus back; i3 comes back', async () => {
    const page = await fixture.newPage()
    await page.goto(`${fixture.workbook.siteUrl}/instructor/#key=${fixture.workbook.instructorToken}`)
    await expect.poll(() => page.locator('[data-testid="iv-row"][data-up="true"]').count(), { timeout: 15_000 }).toBe(3)
    await expect.poll(() => page.getByTestId('class-create').count(), { timeout: 10_000 }).toBe(1)
    const keys = await enter(page, '[data-testid="instructor-view"], [data-testid="instructor-classes"]')
    const kill = '[data-testid="iv-fault-controls"] li[data-instance="i3"] [data-testid="iv-kill"]'
    await tabTo(keys, kill)
    await press(keys, 'Enter')
    expect(await page.getByTestId('iv-dialog').evaluate((d) => (d as HTMLDialogElement).open)).toBe(true)
    expect(await focusIs(keys, byId('iv-cancel'))).toBe(true)
    // The modal dialog keeps Tab inside it: Tab goes on to Confirm.
    await tabTo(keys, byId('iv-confirm'), 4)
    await press(keys, 'Enter')
    const i3 = page.locator('[data-testid="iv-fault-controls"] li[data-instance="i3"]')
    await expect.poll(() => i3.textContent(), { timeout: 15_000 }).toContain('1 restart(s)')
    expect(await page.locator('[data-testid="iv-fault-log"] li:not(.iv-bad)').count()).toBe(1)
    await readFocusCheck(keys)
    await expect.poll(() => page.locator('[data-testid="iv-row"][data-up="true"]').count(), { timeout: 30_000 }).toBe(3)
    // Focus waited on the fault controls' heading while the buttons were disabled, then went back to Kill i3.
    const where = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null
        return `${el?.closest('li')?.dataset.instance ?? ''} ${el?.tagName.toLowerCase()}[${el?.dataset.testid ?? el?.id}]`
      })
    await expect.poll(where, { timeout: 30_000 }).toBe('i3 button[iv-kill]')
    await readFocusCheck(keys)
    await tabTo(keys, byId('class-create'), 40)
    await press(keys, 'Enter')
    await expect.poll(() => page.getByTestId('class-code').first().textContent(), { timeout: 10_000 }).toMatch(/^[A-Z2-9]{6}$/)
    classCode = (await page.getByTestId('class-code').first().textContent()) ?? ''
    await readFocusCheck(keys)
    await leave(keys, 60)
  })

  it("space bar: joins the class the console opened, from lesson 2's space bar", async () => {
    expect(classCode).toMatch(/^[A-Z2-9]{6}$/)
    const page = await fixture.newPage()
    await page.goto(`${fixture.workbook.siteUrl}/lessons/socketio-foundations/`)
    const widget = page.getByTestId('room-playground')
    await widget.scrollIntoViewIfNeeded()
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready')
    const own = await page.getByTestId('space-code').textContent()
    const keys = await enter(page, '[data-testid="room-playground"] [data-testid="space-bar"]')
    await tabTo(keys, byId('class-open'))
    await press(keys, 'Enter')
    await expect.poll(() => focusIs(keys, byId('class-code-input')), { timeout: 5_000 }).toBe(true)
    await typeText(keys, classCode.toLowerCase())
    await tabTo(keys, byId('class-name-input'))
    await typeText(keys, 'Kim')
    await press(keys, 'Enter')
    await expect.poll(() => page.getByTestId('class-member').count(), { timeout: 10_000 }).toBe(1)
    await expect.poll(() => page.getByTestId('space-code').textContent()).not.toBe(own)
    // The join form gave way to "In class … Leave class": focus moved onto Leave, not to <body>.
    expect(await focusIs(keys, byId('class-leave'))).toBe(true)
    await readFocusCheck(keys)
    // The widget reconnects in the class space (its controls hidden meanwhile): leave once they are back.
    await expect.poll(() => widget.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready')
    await leave(keys, 20)
    await page.context().close()
  })
})

/** Moves through a focused radio group with the arrows until the radio `value` is checked. */
async function radioTo(keys: Keys, value: string): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    if (await focusIs(keys, `input[type="radio"][value="${value}"]:checked`)) return
    await press(keys, 'ArrowDown')
  }
  throw new Error(`radio ${value} not reached: ${keys.log.slice(-6).join(', ')}`)
}

/** Checks focus once more where it is now (a socket's answer may have re-rendered the widget). */
async function readFocusCheck(keys: Keys): Promise<void> {
  const f = await readFocus(keys)
  expect(f, `focus lost to <body> after ${keys.log.slice(-3).join(', ')}`).not.toBeNull()
  expect(f?.inside, `focus left the widget for ${describeFocus(f)}`).toBe(true)
}
