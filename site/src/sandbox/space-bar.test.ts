// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { createSpaceBar } from './space-bar.ts'
import { createSpaceState } from './space.ts'

const q = (root: HTMLElement, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement

describe('space bar', () => {
  it('shows the own space, joins a valid code, rejects an invalid one, and goes back', () => {
    const state = createSpaceState('k7q2mx')
    const { el } = createSpaceBar(state)
    document.body.append(el)
    expect(el.textContent).toContain('Your space: k7q2mx')
    expect(q(el, 'space-own').hidden).toBe(true)

    const input = q(el, 'space-join-input') as HTMLInputElement
    input.value = 'nope'
    q(el, 'space-join').click()
    expect(q(el, 'space-error').textContent).toContain('not a space code')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(state.current()).toBe('k7q2mx')

    input.value = 'ABC123'
    q(el, 'space-join').click()
    expect(state.current()).toBe('abc123')
    expect(q(el, 'space-error').textContent).toBe('')
    expect(el.textContent).toContain("Classmate's space: abc123")
    expect(q(el, 'space-own').hidden).toBe(false)

    q(el, 'space-own').click()
    expect(state.current()).toBe('k7q2mx')
    expect(el.textContent).toContain('Your space: k7q2mx')
    el.remove()
  })

  it('labels the join field', () => {
    const { el } = createSpaceBar(createSpaceState('k7q2mx'))
    const input = q(el, 'space-join-input')
    const label = el.querySelector(`label[for="${input.id}"]`)
    expect(label?.textContent).toBe("Join a classmate's space")
  })
})
