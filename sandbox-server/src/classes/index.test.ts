import { describe, expect, it } from 'vitest'
import { SPACE_CODE_PATTERN } from '../protocol/index.ts'
import { CLASS_CODE_PATTERN, MEMBER_NAME_MAX_LENGTH, memberNameKey, parseClassCode, tidyMemberName } from '../protocol/classes.ts'
import { classAuthSchema, classWidgetsSchema, announceSchema } from '../protocol/schemas.ts'
import { listMembers, newClassCode, newClassSpace, randomCode } from './index.ts'

describe('join codes', () => {
  it('are 6 unambiguous capitals or digits, never a space code, and a space code is never one', () => {
    for (let i = 0; i < 200; i++) {
      const code = newClassCode()
      expect(code).toMatch(CLASS_CODE_PATTERN)
      expect(code).not.toMatch(/[ILO01]/)
      expect(SPACE_CODE_PATTERN.test(code)).toBe(false)
      expect(CLASS_CODE_PATTERN.test(newClassSpace())).toBe(false)
    }
  })

  it('start with a letter even when every random byte would pick a digit (an all-digit code is also a space code)', () => {
    const digitsOnly = (size: number): Uint8Array => new Uint8Array(size).fill(30) // index 30 of the alphabet: '9'
    const code = newClassCode(digitsOnly)
    expect(code).toMatch(CLASS_CODE_PATTERN)
    expect(code).toMatch(/^[A-Z]9{5}$/)
    expect(SPACE_CODE_PATTERN.test(code.toLowerCase())).toBe(true) // lower-cased it could be one...
    expect(SPACE_CODE_PATTERN.test(code)).toBe(false) // ...as typed, it is not
    expect(parseClassCode('234567')).toBeNull()
  })

  it('use every character equally (bytes past the last multiple are dropped)', () => {
    let next = 0
    // 0..255 in turn: 248 = 8 * 31 usable values, each character exactly 8 times per 256 bytes.
    const counting = (size: number): Uint8Array => Uint8Array.from({ length: size }, () => next++ % 256)
    const counts = new Map<string, number>()
    for (const char of randomCode('ABCDEFGHJKMNPQRSTUVWXYZ23456789', 248 * 4, counting)) counts.set(char, (counts.get(char) ?? 0) + 1)
    expect(new Set(counts.values())).toEqual(new Set([32]))
  })

  it('are read from what a learner typed, case and dashes aside', () => {
    expect(parseClassCode(' k7q-2mx ')).toBe('K7Q2MX')
    expect(parseClassCode('K7Q2M')).toBeNull()
    expect(parseClassCode('K7Q2MO')).toBeNull() // O is not in the alphabet
  })
})

describe('display names', () => {
  it('are tidied, and judged the same whatever the case or width', () => {
    expect(tidyMemberName('  Zoë   K ')).toBe('Zoë K')
    expect(tidyMemberName("Ng'ang'a O.")).toBe("Ng'ang'a O.")
    expect(memberNameKey('ADA')).toBe(memberNameKey('ada'))
    expect(memberNameKey('Ａｄａ')).toBe(memberNameKey('ada'))
    expect(memberNameKey('Zoë')).toBe(memberNameKey('ZOË'))
  })

  it.each([
    [''],
    ['   '],
    ['<b>x</b>'],
    ['-dash first'],
    ['a'.repeat(MEMBER_NAME_MAX_LENGTH + 1)],
    ['bell\u0007'],
    ['new\u202Eline'],
    ['emoji 🙂'],
  ])('refuse %j', (name) => expect(tidyMemberName(name)).toBeNull())
})

describe('edge schemas', () => {
  it('take exactly { code, name, member } at the handshake, a bounded widget list and a bounded announcement', () => {
    expect(classAuthSchema.safeParse({ code: 'K7Q2MX', name: 'Ada', member: 'a'.repeat(16) }).success).toBe(true)
    expect(classAuthSchema.safeParse({ code: 'K7Q2MX', name: 'Ada', member: 'a'.repeat(16), role: 'instructor' }).success).toBe(false)
    expect(classAuthSchema.safeParse({ code: 'K7Q2MX', name: 'Ada', member: 'short' }).success).toBe(false)
    expect(classWidgetsSchema.safeParse({ widgets: ['room-playground', 'cluster-fanout'] }).success).toBe(true)
    expect(classWidgetsSchema.safeParse({ widgets: ['admin'] }).success).toBe(false)
    expect(classWidgetsSchema.safeParse({ widgets: Array(6).fill('room-playground') }).success).toBe(false)
    expect(announceSchema.safeParse({ text: 'x'.repeat(280) }).success).toBe(true)
    expect(announceSchema.safeParse({ text: 'x'.repeat(281) }).success).toBe(false)
    expect(announceSchema.safeParse({ text: '  ' }).success).toBe(false)
  })
})

describe('listMembers', () => {
  it('merges the pages of a member across instances; a member without a socket is away', () => {
    const stored = new Map([
      ['m1', 'Bo'],
      ['m2', 'Ada'],
    ])
    const sockets = [
      { member: 'm1', widgets: ['cluster-fanout' as const] },
      { member: 'm1', widgets: ['room-playground' as const] },
      { member: 'stranger', widgets: ['security-lab' as const] },
    ]
    expect(listMembers(stored, sockets)).toEqual([
      { name: 'Ada', widgets: [], connected: false },
      { name: 'Bo', widgets: ['room-playground', 'cluster-fanout'], connected: true },
    ])
  })
})
