import { describe, expect, it, vi } from 'vitest'
import { createSpaceState, generateSpaceCode, loadOwnSpace, parseSpaceCode, SPACE_STORAGE_KEY } from './space.ts'

function memoryStorage(init: Record<string, string> = {}) {
  const data = new Map(Object.entries(init))
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data }
}

describe('space codes', () => {
  it('generates 6 characters of a-z0-9', () => {
    for (let n = 0; n < 200; n++) expect(generateSpaceCode()).toMatch(/^[a-z0-9]{6}$/)
  })

  it('rejects biased bytes (>= 252) instead of wrapping them', () => {
    let call = 0
    const code = generateSpaceCode((a) => {
      a.fill(call++ === 0 ? 255 : 1)
      return a
    })
    expect(code).toBe('bbbbbb')
  })

  it('parses what a learner types, with readable errors', () => {
    expect(parseSpaceCode('  K7Q2MX ')).toEqual({ code: 'k7q2mx' })
    expect(parseSpaceCode('')).toEqual({ error: expect.stringContaining('6-character') })
    expect(parseSpaceCode('abc')).toEqual({ error: expect.stringContaining('not a space code') })
    expect(parseSpaceCode('abc-12')).toHaveProperty('error')
  })

  it('keeps the own code in storage', () => {
    const storage = memoryStorage()
    const code = loadOwnSpace(storage)
    expect(storage.data.get(SPACE_STORAGE_KEY)).toBe(code)
    expect(loadOwnSpace(storage)).toBe(code)
    expect(loadOwnSpace(memoryStorage({ [SPACE_STORAGE_KEY]: 'zzzzzz' }))).toBe('zzzzzz')
    expect(loadOwnSpace(memoryStorage({ [SPACE_STORAGE_KEY]: 'bad!' }))).toMatch(/^[a-z0-9]{6}$/)
  })

  it('survives storage that throws', () => {
    const broken = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('denied')
      },
    }
    expect(loadOwnSpace(broken)).toMatch(/^[a-z0-9]{6}$/)
    expect(loadOwnSpace(null)).toMatch(/^[a-z0-9]{6}$/)
  })

  it('notifies subscribers only on a real change', () => {
    const state = createSpaceState('aaaaaa')
    const seen = vi.fn()
    state.subscribe(seen)
    state.set('aaaaaa')
    state.set('bbbbbb')
    expect(seen).toHaveBeenCalledTimes(1)
    expect(seen).toHaveBeenCalledWith('bbbbbb')
    expect(state.current()).toBe('bbbbbb')
    expect(state.own).toBe('aaaaaa')
  })
})
