/**
 * Per-socket listener lists kept small. Socket.IO's `onAny` starts a socket's list with `[]` and
 * pushes onto it, and V8 grows an empty array to 17 slots on its first push: ~150 heap bytes per
 * idle socket for one listener (scripts/bench-fanout, heap per idle socket against plain
 * Socket.IO). {@link onAnyCompact} starts the list with the listener itself (one slot).
 *
 * @module
 */

/** The part of a Socket.IO socket {@link onAnyCompact} needs. */
export interface AnyListenable<L> {
  onAny(listener: L): unknown
  listenersAny(): readonly unknown[]
}

/**
 * `socket.onAny(listener)`, in a one-slot list when it is the socket's first catch-all listener.
 * Socket.IO keeps that list in `_anyListeners` (read by `onAny`, `offAny`, `listenersAny` and its
 * event dispatch); if a version keeps it elsewhere, the check below sees it and `onAny` runs as
 * usual. Listeners added later (`onAny`) grow the list as they would have anyway.
 *
 * @example
 * onAnyCompact(socket, table.unknown) // same as socket.onAny(table.unknown), ~150 heap bytes less
 */
export function onAnyCompact<L>(socket: AnyListenable<L>, listener: L): void {
  if (socket.listenersAny().length === 0) {
    Reflect.set(socket, '_anyListeners', [listener])
    const [first, ...others] = socket.listenersAny()
    if (first === listener && others.length === 0) return
    Reflect.deleteProperty(socket, '_anyListeners')
  }
  socket.onAny(listener)
}
