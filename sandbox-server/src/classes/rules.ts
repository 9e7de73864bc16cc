/**
 * The pure rules of classes: a random join code, a random space code for the class, and what the
 * console lists of each member (from the stored names and the sockets found on every instance).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { CLASS_WIDGETS, composeClassCode, type ClassMember, type ClassWidget } from '../protocol/classes.ts'

const SPACE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * `length` characters of `alphabet`, each equally likely (bytes past the last whole multiple of
 * the alphabet's size are dropped).
 *
 * @example
 * randomCode('AB', 4) // => e.g. 'ABBA'
 */
export function randomCode(alphabet: string, length: number, random: (size: number) => Uint8Array = randomBytes): string {
  const usable = 256 - (256 % alphabet.length)
  let code = ''
  while (code.length < length) {
    for (const byte of random(length * 2)) if (byte < usable && code.length < length) code += alphabet[byte % alphabet.length]
  }
  return code
}

/**
 * A join code: a letter, then 5 of `CLASS_CODE_ALPHABET` (23 x 31^5, about 657 million codes).
 *
 * @example
 * newClassCode() // => e.g. 'K7Q2MX'
 */
export const newClassCode = (random?: (size: number) => Uint8Array): string =>
  composeClassCode((alphabet, length) => randomCode(alphabet, length, random))

/**
 * The class's own space code (6 of a-z 0-9, like a learner's).
 *
 * @example
 * newClassSpace() // => e.g. 'q0x9ka'
 */
export const newClassSpace = (): string => randomCode(SPACE_ALPHABET, 6)

/** What one connected `/class` socket tells about its page. */
export interface MemberSocketState {
  member: string
  widgets: readonly ClassWidget[]
}

/**
 * The console's member list: every stored member, by name, connected when one of their pages
 * has a socket on some instance, with the union of the widgets those pages have open.
 *
 * @example
 * listMembers(new Map([['m1', 'Ada'], ['m2', 'Bo']]), [{ member: 'm1', widgets: ['room-playground'] }])
 * // => [{ name: 'Ada', widgets: ['room-playground'], connected: true }, { name: 'Bo', widgets: [], connected: false }]
 */
export function listMembers(stored: ReadonlyMap<string, string>, sockets: readonly MemberSocketState[]): ClassMember[] {
  const open = new Map<string, Set<ClassWidget>>()
  for (const socket of sockets) {
    if (!stored.has(socket.member)) continue
    const widgets = open.get(socket.member) ?? new Set<ClassWidget>()
    for (const widget of socket.widgets) widgets.add(widget)
    open.set(socket.member, widgets)
  }
  return [...stored]
    .map(([id, name]) => ({
      name,
      widgets: CLASS_WIDGETS.filter((widget) => open.get(id)?.has(widget)),
      connected: open.has(id),
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'))
}
