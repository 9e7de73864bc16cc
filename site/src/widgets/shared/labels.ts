/**
 * Client labels that stay distinct when two learners share a space: both browsers would otherwise
 * name their first client "A". The widgets' observers see every socket of the space connect and
 * disconnect (trace events), so a new client takes the first letter that neither this widget nor
 * another browser's live socket uses. Sockets that connected before the observers opened are not
 * seen; the server's rule for labels is 1-16 of `[A-Za-z0-9 _-]`.
 */
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'

export const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

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
 * const labels = createLabelPicker()
 * observer.on('trace', labels.note)
 * labels.pick(cards, 'A') // => 'A', or 'B' when another browser's "A" is live in the space
 */
export function createLabelPicker(): LabelPicker {
  const live = new Map<string, string>()
  return {
    note(ev) {
      if (ev.kind === 'connect') live.set(ev.socketId, ev.label)
      else if (ev.kind === 'disconnect') live.delete(ev.socketId)
    },
    pick(own, preferred) {
      const ownIds = new Set(own.map((c) => c.socketId))
      const used = new Set([...own.map((c) => c.label), ...[...live].filter(([id]) => !ownIds.has(id)).map(([, label]) => label)])
      if (preferred && !used.has(preferred)) return preferred
      return [...LETTERS].find((l) => !used.has(l)) ?? `C${own.length + 1}`
    },
    release: (socketId) => void live.delete(socketId),
    clear: () => live.clear(),
  }
}
