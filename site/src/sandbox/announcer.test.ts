// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAnnouncer, logRegion } from './announcer.ts'
import { h } from './dom.ts'

/** The texts the live region held, in order (each write observed). */
function watch(el: HTMLElement): string[] {
  const seen: string[] = []
  let proto: object | null = el
  let original: PropertyDescriptor | undefined
  while (proto && !original) {
    original = Object.getOwnPropertyDescriptor(proto, 'textContent')
    proto = Object.getPrototypeOf(proto) as object | null
  }
  Object.defineProperty(el, 'textContent', {
    get: () => original?.get?.call(el) as string,
    set: (v: string) => {
      seen.push(v)
      original?.set?.call(el, v)
    },
  })
  return seen
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('announcer', () => {
  it('is a status region (polite) and says a text once, after a short settle time', () => {
    const a = createAnnouncer(h('p'))
    const seen = watch(a.el)
    expect(a.el.getAttribute('role')).toBe('status')
    a.say('Sandbox ready: 3 of 3 instances up.')
    expect(seen).toEqual([])
    vi.advanceTimersByTime(100)
    expect(seen).toEqual(['Sandbox ready: 3 of 3 instances up.'])
    expect(a.el.childNodes.length).toBe(1)
    expect(a.el.firstChild?.nodeType).toBe(Node.TEXT_NODE)
  })

  it('coalesces a burst into one summary per window, at most one announcement per second', () => {
    const a = createAnnouncer(h('p'))
    const seen = watch(a.el)
    const received = (label: string, text: string) =>
      a.count((n) => `${n > 1 ? `${n} messages received, last: ` : ''}${label} received from A: ${text}`)
    for (let i = 1; i <= 12; i++) {
      received(i % 2 ? 'B' : 'C', `m${i}`)
      vi.advanceTimersByTime(20)
    }
    // 12 messages over 240 ms: the first window closed at 100 ms with 5 of them.
    expect(seen).toEqual(['5 messages received, last: B received from A: m5'])
    vi.advanceTimersByTime(1000)
    expect(seen).toEqual(['5 messages received, last: B received from A: m5', '7 messages received, last: C received from A: m12'])
    // A stream of 10 s yields about 10 announcements, never more than one per second.
    seen.length = 0
    for (let i = 0; i < 500; i++) {
      received('B', `x${i}`)
      vi.advanceTimersByTime(20)
    }
    vi.advanceTimersByTime(1000)
    expect(seen.length).toBeLessThanOrEqual(11)
    expect(seen.at(-1)).toMatch(/^\d+ messages received, last: B received from A: x499$/)
  })

  it('joins the latest said text and the count of one window; a lone event reads without a count', () => {
    const a = createAnnouncer(h('p'))
    const seen = watch(a.el)
    a.say('first')
    a.say('Sandbox ready.')
    a.count((n) => (n > 1 ? `${n} messages` : 'B received hi'))
    vi.advanceTimersByTime(100)
    expect(seen).toEqual(['Sandbox ready. B received hi'])
  })

  it('never says the same text twice in a row, unless 10 s passed', () => {
    const a = createAnnouncer(h('p'))
    const seen = watch(a.el)
    for (let i = 0; i < 5; i++) {
      a.say('Instance i2 does not answer /stats.')
      vi.advanceTimersByTime(1000)
    }
    expect(seen).toEqual(['Instance i2 does not answer /stats.'])
    a.say('Stopped.')
    vi.advanceTimersByTime(1000)
    a.say('Instance i2 does not answer /stats.')
    vi.advanceTimersByTime(1000)
    expect(seen).toEqual(['Instance i2 does not answer /stats.', 'Stopped.', 'Instance i2 does not answer /stats.'])
    vi.advanceTimersByTime(10_000)
    a.say('Instance i2 does not answer /stats.')
    vi.advanceTimersByTime(1000)
    expect(seen.length).toBe(4)
  })

  it('writes text, never markup', () => {
    const a = createAnnouncer(h('p'))
    a.say('<img src=x onerror=alert(1)>')
    vi.advanceTimersByTime(100)
    expect(a.el.querySelector('img')).toBeNull()
    expect(a.el.textContent).toBe('<img src=x onerror=alert(1)>')
  })
})

describe('logRegion', () => {
  it('wraps a list in a role="log" region, silent unless asked', () => {
    const list = h('ol', {}, h('li', { text: 'one' }))
    const quiet = logRegion('Received by B', list)
    expect(quiet.getAttribute('role')).toBe('log')
    expect(quiet.getAttribute('aria-live')).toBe('off')
    expect(quiet.getAttribute('aria-label')).toBe('Received by B')
    expect(quiet.firstChild).toBe(list)
    expect(logRegion('Fault log', h('ol'), false).hasAttribute('aria-live')).toBe(false)
  })
})
