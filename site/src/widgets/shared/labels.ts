/**
 * Client labels that stay distinct when two learners share a space: both browsers would otherwise
 * name their first client "A". Two rules, because neither is enough alone:
 * - in a classmate's space, labels carry a short tag of this browser's own space code (`A-k7q`):
 *   the host keeps the lesson's A, B, C, and every guest's names differ from the host's and from
 *   each other's, even for sockets opened before this page (no one can list those);
 * - the widgets' observers see every socket of the space connect and disconnect (trace events), so
 *   a new client also skips the letters another browser's live sockets use.
 * The server's rule for labels is 1-16 of `[A-Za-z0-9 _-]`.
 */
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import type { SpaceState } from '../../sandbox/space.ts'

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/**
 * '' in the learner's own space; in a classmate's, "-" and the first 3 characters of this
 * browser's own code.
 *
 * @example
 * guestTag(space) // => '' at home, '-k7q' in a classmate's space
 */
export const guestTag = (space: Pick<SpaceState, 'own' | 'current'>): string =>
  space.current() === space.own ? '' : `-${space.own.slice(0, 3)}`

export interface LabelPicker {
  /** Follows `connect` / `disconnect` trace events of the space. */
  note(ev: TraceEvent): void
  /** The preferred label when free, else the first free letter; `own` are this widget's clients. */
  pick(own: { label: string; socketId: string }[], preferred?: string): string
  /** Frees at once the label of a socket this widget closed (its disconnect trace comes later). */
  release(socketId: string): void
  /** Forgets every socket seen (space change). */
  clear(): void
}

/**
 * @example
 * const labels = createLabelPicker(() => guestTag(space))
 * observer.on('trace', labels.note)
 * labels.pick(cards, 'A') // => 'A', or 'B' when another browser's "A" is live; 'A-k7q' as a guest
 */
export function createLabelPicker(tag: () => string = () => ''): LabelPicker {
  const live = new Map<string, string>()
  return {
    note(ev) {
      if (ev.kind === 'connect') live.set(ev.socketId, ev.label)
      else if (ev.kind === 'disconnect') live.delete(ev.socketId)
    },
    pick(own, preferred) {
      const ownIds = new Set(own.map((c) => c.socketId))
      const used = new Set([...own.map((c) => c.label), ...[...live].filter(([id]) => !ownIds.has(id)).map(([, label]) => label)])
      const suffix = tag()
      // A kept label may carry the tag of the space it came from: keep its letter only.
      const wanted = preferred && `${preferred.split('-')[0]}${suffix}`
      if (wanted && !used.has(wanted)) return wanted
      const letter = [...LETTERS].find((l) => !used.has(`${l}${suffix}`))
      return letter ? `${letter}${suffix}` : `C${own.length + 1}${suffix}`
    },
    release: (socketId) => void live.delete(socketId),
    clear: () => live.clear(),
  }
}
