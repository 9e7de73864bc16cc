/**
 * The `/observe` namespace and the tracer: what each instance tells the widgets about the calls
 * it runs and the packets it writes, for the spaces someone is watching.
 *
 * Tracing is local on purpose: an instance reports only what *it* did, to observers connected
 * *to it*. A widget opens one observer per instance and merges them. So the trace needs no Redis
 * (it still works, and shows the truth, while Redis is down), and a space nobody watches on this
 * instance costs one Map lookup per event.
 *
 * @module
 */
import type { Namespace, Server, Socket } from 'socket.io'
import { SandboxError } from '../errors/index.ts'
import type { SandboxLogger } from '../log/index.ts'
import type { SpaceRegistry } from '../spaces/index.ts'
import { observeAuthSchema } from '../protocol/schemas.ts'
import {
  OBSERVE_NAMESPACE,
  type FanoutState,
  type ObserveServerEvents,
  type LearnerNamespace,
  type TraceEvent,
  type TracedSocket,
} from '../protocol/index.ts'

/** Distributes `Omit` over a union, so each trace kind keeps its own fields. */
type WithoutStamp<T> = T extends unknown ? Omit<T, 'at' | 'instance'> : never
export type TraceInput = WithoutStamp<TraceEvent>

export interface Tracer {
  /** Whether an observer of `space` is connected to this instance. */
  watching(space: string): boolean
  /** Sends a trace event to this instance's observers of `space` (no-op when nobody watches). */
  emit(space: string, event: TraceInput): void
  /**
   * Records that `socket` was written a packet of call `traceId`. Recipients of one call are
   * grouped into a single `delivery` event after the current synchronous broadcast finishes.
   */
  delivered(space: string, namespace: LearnerNamespace, traceId: string, socket: TracedSocket): void
}

export interface ObserveOptions {
  instanceId: string
  fanout: () => FanoutState
  spaces: SpaceRegistry
  /** The first observer of `space` connected to this instance (e.g. start the Redis tap). */
  onWatch?: (space: string) => void
  /** The last observer of `space` left this instance. */
  onUnwatch?: (space: string) => void
  /** Its entries about a space are streamed to that space's observers as `log` trace events. */
  logger?: SandboxLogger
  /** Registers what an observer may send, e.g. the outage simulation. */
  onObserver?: (socket: Socket, space: string, tracer: Tracer) => void
}

/**
 * Sets up `/observe` on `io` and returns the tracer that feeds it.
 *
 * @example
 * const tracer = attachObserve(io, { instanceId: 'i1', fanout: () => 'redis', spaces })
 * tracer.emit('k7q2mx', { kind: 'connect', namespace: '/chat', socketId, label: 'A' })
 */
export function attachObserve(io: Server, options: ObserveOptions): Tracer {
  const observe: Namespace<Record<string, never>, ObserveServerEvents> = io.of(OBSERVE_NAMESPACE)

  observe.use((socket, next) => {
    const auth = observeAuthSchema.safeParse(socket.handshake.auth)
    if (!auth.success) {
      const detail = auth.error.issues.map((issue) => `${issue.path.join('.') || 'auth'}: ${issue.message}`).join('; ')
      return next(new SandboxError('INVALID_HANDSHAKE', `observer auth is invalid: ${detail}`).toConnectError())
    }
    try {
      options.spaces.admit(auth.data.space, socket)
    } catch (error) {
      return next(SandboxError.from(error).toConnectError())
    }
    socket.data.space = auth.data.space
    next()
  })

  observe.on('connection', (socket) => {
    const space = socket.data.space as string
    void socket.join(space)
    if (observe.adapter.rooms.get(space)?.size === 1) options.onWatch?.(space)
    socket.on('disconnect', () => {
      if (!watching(space)) options.onUnwatch?.(space)
    })
    options.onObserver?.(socket, space, tracer)
    socket.emit('hello', {
      instance: options.instanceId,
      socketId: socket.id,
      namespace: OBSERVE_NAMESPACE,
      space,
      fanout: options.fanout(),
    })
    // Anything else an observer sends is ignored rather than answered.
  })

  const watching = (space: string): boolean => (observe.adapter.rooms.get(space)?.size ?? 0) > 0
  const emit = (space: string, event: TraceInput): void => {
    if (!watching(space)) return
    const stamped = { ...event, at: Date.now(), instance: options.instanceId } as TraceEvent
    observe.local.to(space).emit('trace', stamped)
  }

  type Pending = { space: string; namespace: LearnerNamespace; recipients: TracedSocket[] }
  const pending = new Map<string, Pending>()
  const flush = (): void => {
    for (const [traceId, batch] of pending) {
      emit(batch.space, { kind: 'delivery', namespace: batch.namespace, traceId, recipients: batch.recipients })
    }
    pending.clear()
  }

  const tracer: Tracer = {
    watching,
    emit,
    delivered(space, namespace, traceId, socket) {
      if (!watching(space)) return
      const batch = pending.get(traceId)
      if (batch) {
        batch.recipients.push(socket)
        return
      }
      if (pending.size === 0) queueMicrotask(flush)
      pending.set(traceId, { space, namespace, recipients: [socket] })
    },
  }
  options.logger?.onSpaceEntry((space, entry) => {
    if (!watching(space)) return
    const { level, msg, code, event, namespace } = entry
    emit(space, { kind: 'log', level, msg, ...(code && { code }), ...(event && { event }), ...(namespace && { namespace }) })
  })
  return tracer
}

/** The trace id of a `message` packet (`{ type, data: ['message', msg] }`), else `null`. */
function messageTraceId(packet: unknown): string | null {
  const data: unknown = typeof packet === 'object' && packet !== null ? Reflect.get(packet, 'data') : undefined
  if (!Array.isArray(data) || data[0] !== 'message') return null
  const msg: unknown = data[1]
  const traceId: unknown = typeof msg === 'object' && msg !== null ? Reflect.get(msg, 'traceId') : undefined
  return typeof traceId === 'string' ? traceId : null
}

/**
 * Tells `tracer` which local sockets each `message` broadcast of a namespace is written to, from
 * its adapter: every broadcast an instance writes, emitted here or received through Redis, runs
 * the in-memory adapter's `_encode` then `apply` (which visits each recipient), as metrics'
 * `countBroadcasts` relies on too. This costs nothing per socket (a listener per socket did, on
 * every idle socket) and one Map lookup per broadcast while nobody watches the space. Both
 * methods are private in socket.io-adapter's typings, hence `Reflect`; returns `false` when one
 * is missing (the caller then traces with `onAnyOutgoing` per socket).
 * test/playground.test.ts and test/cluster.test.ts check the delivery traces.
 *
 * @example
 * if (!traceDeliveries(nsp.adapter, tracer, 'k7q2mx', '/chat')) socket.onAnyOutgoing(...)
 */
export function traceDeliveries(adapter: object, tracer: Tracer, space: string, namespace: LearnerNamespace): boolean {
  const encode: unknown = Reflect.get(adapter, '_encode')
  const apply: unknown = Reflect.get(adapter, 'apply')
  if (typeof encode !== 'function' || typeof apply !== 'function') return false
  let pendingTraceId: string | null = null
  Reflect.set(adapter, '_encode', function (this: unknown, ...args: unknown[]): unknown {
    pendingTraceId = tracer.watching(space) ? messageTraceId(args[0]) : null
    return Reflect.apply(encode, this, args)
  })
  Reflect.set(adapter, 'apply', function (this: unknown, opts: unknown, callback: unknown): unknown {
    const traceId = pendingTraceId
    pendingTraceId = null
    if (traceId === null || typeof callback !== 'function') return Reflect.apply(apply, this, [opts, callback])
    return Reflect.apply(apply, this, [
      opts,
      (socket: Socket) => {
        const label: unknown = typeof socket.data === 'object' && socket.data !== null ? Reflect.get(socket.data, 'label') : undefined
        tracer.delivered(space, namespace, traceId, { socketId: socket.id, label: typeof label === 'string' ? label : '' })
        Reflect.apply(callback, undefined, [socket])
      },
    ])
  })
  return true
}
