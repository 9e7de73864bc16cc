// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import {
  CLASS_CHANGED_EVENT,
  CLASS_EVENTS,
  CLASS_JOIN_EVENT,
  CLASS_RESET_EVENT,
  CLASS_STORAGE_KEY,
  readMembership,
  statusOf,
  writeMembership,
} from './class-membership.ts'
import { CLASS_SPACE_KEY } from './class-keys.ts'
import { refusalWords, toggleClassPanel } from './on-demand-class-join.ts'
import { createSpaceBar } from './space-bar.ts'
import { createSpaceState, sharedSpace } from './space.ts'

const ada = { code: 'K7Q2MX', name: 'Ada', member: 'a'.repeat(16), space: 'q0x9ka' }
const q = (root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement

afterEach(() => {
  localStorage.clear()
  sessionStorage.clear()
  document.body.replaceChildren()
})

describe('membership', () => {
  it('round-trips, and anything else in storage reads as none', () => {
    expect(readMembership()).toBeNull()
    writeMembership(ada)
    expect(readMembership()).toEqual(ada)
    for (const bad of [
      '{',
      '"x"',
      JSON.stringify({ ...ada, code: 'k7q2mx' }),
      JSON.stringify({ ...ada, space: 'BAD' }),
      JSON.stringify({ ...ada, member: 'x' }),
    ]) {
      localStorage.setItem(CLASS_STORAGE_KEY, bad)
      expect(readMembership()).toBeNull()
    }
    writeMembership(null)
    expect(localStorage.getItem(CLASS_STORAGE_KEY)).toBeNull()
  })

  it('reads status events only when they have the right shape', () => {
    const event = (detail: unknown) => new CustomEvent(CLASS_EVENTS.status, { detail })
    expect(statusOf(event({ state: 'member', code: 'K7Q2MX', name: 'Ada' }))).toEqual({ state: 'member', code: 'K7Q2MX', name: 'Ada' })
    expect(statusOf(event({ state: 'refused', code: 'NAME_TAKEN' }))).toMatchObject({ state: 'refused', code: 'NAME_TAKEN' })
    expect(statusOf(event({ state: 'member' }))).toBeNull()
    expect(statusOf(event('member'))).toBeNull()
  })
})

describe('space state and space bar in a class', () => {
  it("start a member's widgets in the class space, follow the class client's events, and ignore a bad stored space", () => {
    writeMembership(ada)
    const state = sharedSpace()
    expect(state.current()).toBe('q0x9ka')
    const seen: string[] = []
    state.subscribe((space) => seen.push(space))
    dispatchEvent(new CustomEvent(CLASS_RESET_EVENT))
    localStorage.setItem(CLASS_SPACE_KEY, '../x')
    dispatchEvent(new CustomEvent(CLASS_CHANGED_EVENT))
    expect(seen).toEqual(['q0x9ka', state.own])
  })

  it('restart() runs the listeners with the same space (a reset reopens every widget)', () => {
    const state = createSpaceState('aaaaaa', 'q0x9ka')
    const seen: string[] = []
    state.subscribe((space) => seen.push(space))
    state.restart()
    expect(seen).toEqual(['q0x9ka'])
  })

  it('shows Join class, then the class once a member; its panel refuses a bad code and asks the class client to join', () => {
    const state = createSpaceState('aaaaaa')
    const bar = createSpaceBar(state)
    document.body.append(bar.el)
    expect(q(bar.el, 'class-open').textContent).toBe('Join class')
    const slot = bar.el.querySelector('.sb-class') as HTMLElement
    toggleClassPanel(slot, q(bar.el, 'class-open') as HTMLButtonElement)
    const joins: unknown[] = []
    addEventListener(CLASS_JOIN_EVENT, (e) => joins.push((e as CustomEvent).detail))
    ;(q(slot, 'class-code-input') as HTMLInputElement).value = 'nope'
    ;(q(slot, 'class-name-input') as HTMLInputElement).value = 'Ada'
    q(slot, 'class-join').click()
    expect(q(slot, 'class-error').textContent).toContain('is not a class code')
    ;(q(slot, 'class-code-input') as HTMLInputElement).value = 'k7q-2mx'
    q(slot, 'class-join').click()
    expect(joins).toEqual([{ code: 'K7Q2MX', name: 'Ada' }])
    dispatchEvent(new CustomEvent(CLASS_EVENTS.status, { detail: { state: 'refused', code: 'NAME_TAKEN', message: '' } }))
    expect(q(slot, 'class-error').textContent).toBe(refusalWords('NAME_TAKEN'))

    writeMembership(ada)
    dispatchEvent(new CustomEvent(CLASS_EVENTS.status, { detail: { state: 'member', code: 'K7Q2MX', name: 'Ada' } }))
    expect(q(slot, 'class-member').textContent).toContain('In class K7Q2MX as Ada.')
    state.set('q0x9ka')
    expect(q(bar.el, 'class-open').textContent).toBe('Your class')
    expect(bar.el.textContent).toContain('Class space: q0x9ka')
    bar.destroy()
  })

  it('gives every refusal code words, and an unknown one a generic sentence', () => {
    for (const code of ['CLASS_NOT_FOUND', 'CLASS_LOCKED', 'NAME_TAKEN', 'CLASS_FULL', 'INVALID_NAME', 'CONNECT_FAILED'])
      expect(refusalWords(code)).not.toContain(code)
    expect(refusalWords('WHATEVER')).toContain('WHATEVER')
  })
})
