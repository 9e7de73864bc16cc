/**
 * Whether this browser is in a class: `{ code, name, member, space }` in localStorage (checked on
 * every read), and the page-wide events the class client and the widgets' space state talk
 * through (class-keys.ts). Every widget's space state imports it; the class client itself
 * (socket.io-client on `/class`) loads only for a member (widgets/class-client/).
 *
 * Widget chunks each carry their own copy of the sandbox modules (widget-chunks.mjs), so the class
 * client cannot call a widget's `SpaceState`: it dispatches these window events instead.
 */
import { SPACE_CODE_PATTERN } from '@realtime-workbook/sandbox-server/protocol'
import { CLASS_CODE_PATTERN, MEMBER_ID_PATTERN } from '@realtime-workbook/sandbox-server/protocol/classes'
import { CLASS_SPACE_KEY, CLASS_STORAGE_KEY } from './class-keys.ts'

export { CLASS_CHANGED_EVENT, CLASS_JOIN_EVENT, CLASS_RESET_EVENT, CLASS_STORAGE_KEY } from './class-keys.ts'

/** Window events between the join form and the class client. */
export const CLASS_EVENTS = {
  /** Join form -> class client: leave the class. */
  leave: 'rtwb:class-leave',
  /** Class client -> join form: detail `ClassStatus`. */
  status: 'rtwb:class-status',
} as const

/** What the class client tells the space bar. */
export type ClassStatus =
  | { state: 'joining' }
  | { state: 'member'; code: string; name: string }
  | { state: 'refused'; code: string; message: string }
  | { state: 'none' }

/**
 * The `ClassStatus` a status event carries, or `null` (checked: window events are anyone's).
 *
 * @example
 * addEventListener(CLASS_EVENTS.status, (e) => statusOf(e)?.state)
 */
export function statusOf(e: Event): ClassStatus | null {
  const d: unknown = e instanceof CustomEvent ? e.detail : null
  if (typeof d !== 'object' || d === null || !('state' in d)) return null
  if (d.state === 'joining' || d.state === 'none') return { state: d.state }
  if (d.state === 'member' && 'code' in d && 'name' in d && typeof d.code === 'string' && typeof d.name === 'string')
    return { state: 'member', code: d.code, name: d.name }
  if (d.state === 'refused' && 'code' in d && typeof d.code === 'string') return { state: 'refused', code: d.code, message: '' }
  return null
}

export interface Membership {
  code: string
  name: string
  member: string
  space: string
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

/**
 * The stored membership, or `null` (none, unreadable, or not as this module writes it).
 *
 * @example
 * readMembership()?.space // => 'q0x9ka' while in a class
 */
export function readMembership(store: Pick<Storage, 'getItem'> | null = storage()): Membership | null {
  try {
    const value: unknown = JSON.parse(store?.getItem(CLASS_STORAGE_KEY) ?? 'null')
    if (typeof value !== 'object' || value === null) return null
    const { code, name, member, space } = value as Record<string, unknown>
    if (typeof code !== 'string' || typeof name !== 'string' || typeof member !== 'string' || typeof space !== 'string') return null
    if (!CLASS_CODE_PATTERN.test(code) || !MEMBER_ID_PATTERN.test(member) || !SPACE_CODE_PATTERN.test(space) || name.length > 100)
      return null
    return { code, name, member, space }
  } catch {
    return null
  }
}

/** Stores (or with `null`, forgets) the membership. */
export function writeMembership(membership: Membership | null, store: Pick<Storage, 'setItem' | 'removeItem'> | null = storage()): void {
  try {
    if (membership) {
      store?.setItem(CLASS_STORAGE_KEY, JSON.stringify(membership))
      store?.setItem(CLASS_SPACE_KEY, membership.space)
    } else {
      store?.removeItem(CLASS_STORAGE_KEY)
      store?.removeItem(CLASS_SPACE_KEY)
    }
  } catch {
    /* storage disabled: the membership lasts as long as the page */
  }
}
