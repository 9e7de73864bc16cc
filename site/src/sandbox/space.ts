/**
 * A learner's **space**: a random 6-character code kept in localStorage. Widgets on a page share
 * one `SpaceState`, so joining a classmate's space in one widget moves them all. A class member's
 * widgets start in the class's space, and follow the class client's window events (class-membership.ts).
 */
import { SPACE_CODE_PATTERN } from '@realtime-workbook/sandbox-server/protocol'
import { CLASS_CHANGED_EVENT, CLASS_RESET_EVENT, CLASS_SPACE_KEY } from './class-keys.ts'

export const SPACE_STORAGE_KEY = 'rtwb:space:v1'
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

export function generateSpaceCode(random: (a: Uint8Array<ArrayBuffer>) => Uint8Array = (a) => crypto.getRandomValues(a)): string {
  let code = ''
  while (code.length < 6) {
    // 252 = 7 * 36: reject the tail so every character is equally likely.
    for (const byte of random(new Uint8Array(8))) if (byte < 252 && code.length < 6) code += ALPHABET[byte % 36]
  }
  return code
}

/** Normalises what a learner typed; returns the code or a human error message. */
export function parseSpaceCode(input: string): { code: string } | { error: string } {
  const code = input.trim().toLowerCase()
  if (code === '') return { error: 'Type the 6-character code your classmate sees.' }
  if (!SPACE_CODE_PATTERN.test(code)) {
    return { error: `"${input.trim().slice(0, 20)}" is not a space code: use 6 letters a-z or digits 0-9.` }
  }
  return { code }
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>

function safeStorage(): StorageLike | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null // storage disabled (privacy mode, sandboxed iframe)
  }
}

/** The browser's own code: read from storage, or created and stored. */
export function loadOwnSpace(storage: StorageLike | null = safeStorage()): string {
  try {
    const stored = storage?.getItem(SPACE_STORAGE_KEY)
    if (stored && SPACE_CODE_PATTERN.test(stored)) return stored
  } catch {
    /* fall through */
  }
  const code = generateSpaceCode()
  try {
    storage?.setItem(SPACE_STORAGE_KEY, code)
  } catch {
    /* keep it for this page only */
  }
  return code
}

export interface SpaceState {
  readonly own: string
  current(): string
  /** Moves to another space (`own` to go back); listeners run only on a real change. */
  set(code: string): void
  /** Runs the listeners with the current space: every widget reopens its sockets (a class reset). */
  restart(): void
  subscribe(listener: (space: string) => void): () => void
}

export function createSpaceState(own: string, initial = own): SpaceState {
  let current = initial
  const listeners = new Set<(space: string) => void>()
  return {
    own,
    current: () => current,
    set(code) {
      if (code === current) return
      current = code
      for (const l of [...listeners]) l(code)
    },
    restart() {
      for (const l of [...listeners]) l(current)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/**
 * The space of the class this browser is in (checked against the space-code rule), or `null`.
 *
 * @example
 * classSpace() // => 'q0x9ka' while in a class
 */
export function classSpace(): string | null {
  try {
    const space = localStorage.getItem(CLASS_SPACE_KEY)
    return space !== null && SPACE_CODE_PATTERN.test(space) ? space : null
  } catch {
    return null
  }
}

let shared: SpaceState | null = null
/** The page-wide space state shared by all widgets. */
export function sharedSpace(): SpaceState {
  if (shared) return shared
  const state = createSpaceState(loadOwnSpace(), classSpace() ?? undefined)
  addEventListener(CLASS_CHANGED_EVENT, () => state.set(classSpace() ?? state.own))
  addEventListener(CLASS_RESET_EVENT, () => state.restart())
  return (shared = state)
}
