/**
 * Classes (the instructor's classroom mode): the rules of join codes, display names and member
 * ids, the `/class` namespace's events, the instructor routes' answers, and the zod-free checks a
 * page runs on what it receives. Re-exported by `./index.ts`: import it as
 * `@realtime-workbook/sandbox-server/protocol`.
 *
 * A class has a **join code** (6 characters of an unambiguous UPPERCASE alphabet, so it never
 * looks like a 6-character lowercase space code) and its own fresh **space**: members' widgets
 * move to that space, so the class shares rooms.
 *
 * @module
 */
import { arrayOf, isBoolean, isNumber, isString, objectOf, oneOf, orNull, type Check } from './check.ts'

/** The learners' namespace of classes (one for the deployment, not per space). */
export const CLASS_NAMESPACE = '/class'

/** Join-code characters: A-Z and 2-9 without I, L, O (look like 1, 1, 0). 31 characters. */
export const CLASS_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
/**
 * A join code's first character: a letter of the alphabet above, so that no join code is all
 * digits (`234567` would also be a valid space code). 23 characters.
 */
export const CLASS_CODE_LEADING = 'ABCDEFGHJKMNPQRSTUVWXYZ'
export const CLASS_CODE_LENGTH = 6
/** A join code: a letter of `CLASS_CODE_LEADING`, then 5 characters of `CLASS_CODE_ALPHABET`. */
export const CLASS_CODE_PATTERN = /^[A-HJKMNP-Z][A-HJKMNP-Z2-9]{5}$/
export const CLASS_CODE_RULE = 'a class code is 6 characters: capital letters (no I, L or O) and digits 2-9, starting with a letter'

/**
 * A join code drawn from `pick` (which returns `length` random characters of `alphabet`): one
 * copy of the shape for the server and the widgets' fake.
 *
 * @example
 * composeClassCode((alphabet, length) => alphabet.slice(0, length)) // => 'AABCDE'
 */
export const composeClassCode = (pick: (alphabet: string, length: number) => string): string =>
  pick(CLASS_CODE_LEADING, 1) + pick(CLASS_CODE_ALPHABET, CLASS_CODE_LENGTH - 1)

/**
 * What a learner typed, as a join code (spaces and dashes dropped, upper-cased), or `null`.
 *
 * @example
 * parseClassCode(' k7q-2mx ') // => 'K7Q2MX'
 * parseClassCode('abc') // => null
 */
export function parseClassCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, '').toUpperCase()
  return CLASS_CODE_PATTERN.test(code) ? code : null
}

export const MEMBER_NAME_MAX_LENGTH = 24
/** A display name: 1-24 letters (any script), digits, spaces, `.`, `'`, `_`, `-`; starts with a letter or digit. */
export const MEMBER_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{M}\p{N} ._'-]{0,23}$/u
export const MEMBER_NAME_RULE = `a name is 1-${MEMBER_NAME_MAX_LENGTH} letters, digits, spaces, . ' _ or -, starting with a letter or digit`

/**
 * The display name as a member typed it, tidied (NFC, inner spaces collapsed, trimmed), or `null`
 * when it breaks `MEMBER_NAME_PATTERN`.
 *
 * @example
 * tidyMemberName('  Zoë   K ') // => 'Zoë K'
 * tidyMemberName('<b>') // => null
 */
export function tidyMemberName(input: string): string | null {
  const name = input.normalize('NFC').replace(/\s+/g, ' ').trim()
  return MEMBER_NAME_PATTERN.test(name) ? name : null
}

/**
 * The key that makes two names "the same" in a class: case-insensitive and compatibility-folded,
 * so `ANA`, `ana` and `Ａｎａ` (full-width) are one name.
 *
 * @example
 * memberNameKey('Zoë K') === memberNameKey('ZOË k') // => true
 */
export function memberNameKey(name: string): string {
  return name.normalize('NFKC').toLocaleLowerCase('en-US')
}

/** A member id: a random id the browser keeps (16-32 of A-Z a-z 0-9 _ -), so a member may come back. */
export const MEMBER_ID_PATTERN = /^[A-Za-z0-9_-]{16,32}$/

/** The lesson widgets a member's page may report as open (a closed list: the server stores nothing else). */
export const CLASS_WIDGETS = ['transport-race', 'room-playground', 'cluster-fanout', 'security-lab', 'resilience-lab'] as const
export type ClassWidget = (typeof CLASS_WIDGETS)[number]

/** Longest announcement, characters. */
export const ANNOUNCEMENT_MAX_LENGTH = 280
export const ANNOUNCEMENT_RULE = `an announcement is 1-${ANNOUNCEMENT_MAX_LENGTH} characters`

/** `auth` of a `/class` socket. */
export interface ClassAuth {
  code: string
  name: string
  member: string
}

/** An instructor's announcement. */
export interface Announcement {
  text: string
  /** Unix ms when it was sent (its id too: a page hides one it was told to dismiss). */
  at: number
}

/** `class:hello`, the first event a member's socket receives. */
export interface ClassHello {
  code: string
  /** The class's space: the member's widgets move there. */
  space: string
  /** The name as the class knows it (tidied). */
  name: string
  locked: boolean
  announcement: Announcement | null
}

/** `class:widgets` (member -> server): the lesson widgets this page has open. */
export interface ClassWidgetsPayload {
  widgets: ClassWidget[]
}

/** Server -> member events on `/class`. */
export interface ClassServerEvents {
  'class:hello': (hello: ClassHello) => void
  'class:announcement': (announcement: Announcement) => void
  /** The instructor reset the class: every widget socket of `space` was dropped; open them again. */
  'class:reset': (reset: { space: string }) => void
  'class:locked': (state: { locked: boolean }) => void
  /** The class is closed: go back to your own space. */
  'class:closed': (closed: { code: string }) => void
}

/** A class as the console's list shows it. */
export interface ClassSummary {
  code: string
  space: string
  locked: boolean
  createdAt: number
  memberCount: number
  announcement: Announcement | null
}

/** One member, as the console shows it. */
export interface ClassMember {
  name: string
  /** Union of the widgets the member's connected pages have open. */
  widgets: ClassWidget[]
  /** `false`: the member joined, but no page of theirs is connected now ("away"). */
  connected: boolean
}

/** `GET /instructor/classes/:code` (and the answer of every action on a class). */
export interface ClassDetail extends ClassSummary {
  members: ClassMember[]
}

/** `GET /instructor/classes` */
export interface ClassList {
  classes: ClassSummary[]
  maxClasses: number
}

// Checks of what a page receives.
export const isAnnouncement: Check<Announcement> = /* @__PURE__ */ objectOf({ text: isString, at: isNumber })
export const isClassHello: Check<ClassHello> = /* @__PURE__ */ objectOf({
  code: isString,
  space: isString,
  name: isString,
  locked: isBoolean,
  announcement: orNull(isAnnouncement),
})
export const isClassReset: Check<{ space: string }> = /* @__PURE__ */ objectOf({ space: isString })
export const isClassLocked: Check<{ locked: boolean }> = /* @__PURE__ */ objectOf({ locked: isBoolean })
export const isClassClosed: Check<{ code: string }> = /* @__PURE__ */ objectOf({ code: isString })
const summaryShape = {
  code: isString,
  space: isString,
  locked: isBoolean,
  createdAt: isNumber,
  memberCount: isNumber,
  announcement: orNull(isAnnouncement),
}
export const isClassSummary: Check<ClassSummary> = /* @__PURE__ */ objectOf(summaryShape)
export const isClassMember: Check<ClassMember> = /* @__PURE__ */ objectOf({
  name: isString,
  widgets: arrayOf(oneOf(CLASS_WIDGETS)),
  connected: isBoolean,
})
export const isClassDetail: Check<ClassDetail> = /* @__PURE__ */ objectOf({ ...summaryShape, members: arrayOf(isClassMember) })
export const isClassList: Check<ClassList> = /* @__PURE__ */ objectOf({ classes: arrayOf(isClassSummary), maxClasses: isNumber })
