/**
 * The room playground: space-scoped `/chat` and `/admin` namespaces where a learner's virtual
 * clients join rooms and ask the server to run one of six emit calls.
 *
 * Each call runs exactly the line `serverLine()` prints (the lesson shows the same lines), and
 * the tracer reports the call and, per instance, the sockets the packet was written to.
 *
 * @module
 */
import type { Namespace, Server, Socket } from 'socket.io'
import { z } from 'zod'
import { parseOrThrow, SandboxError } from '../errors/index.ts'
import type { TokenBucket } from '../rate-limit/index.ts'
import { onAnyCompact } from '../listeners/index.ts'
import { traceDeliveries, type Tracer } from '../observe/index.ts'
import { admitWhenSubscribed, type SubscriptionWait } from '../redis/subscriptions.ts'
import type { SandboxLogger } from '../log/index.ts'
import type { SandboxMetrics } from '../metrics/index.ts'
import type { SpaceRegistry } from '../spaces/index.ts'
import { playgroundAuthSchema, roomPayloadSchema, sendPayloadSchema } from '../protocol/schemas.ts'
import {
  OPEN_NAMESPACE_PATTERN,
  parseSpaceNamespace,
  serverLine,
  type FanoutState,
  type LearnerNamespace,
  type MessageEvent,
  type PlaygroundServerEvents,
  type SendCall,
  type TracedSocket,
} from '../protocol/index.ts'

/** What the playground needs from the instance that hosts it. */
export interface PlaygroundOptions {
  instanceId: string
  maxRoomsPerSocket: number
  tracer: Tracer
  fanout: () => FanoutState
  spaces: SpaceRegistry
  /** A rate limiter for one socket (made at its first event: a socket that sends nothing has none). */
  createBucket: () => TokenBucket
  logger: SandboxLogger
  metrics: SandboxMetrics
  /** A socket is admitted, and `room:join` (a room's channel is subscribed when the room is made) answers, after it. */
  subscribed?: SubscriptionWait
  /** More events for a namespace's sockets (e.g. the cluster fan-out's, on its namespaces). */
  extend?: PlaygroundExtension
}

/** Events added to the playground's, per learner namespace (see `clusterEvents`). */
export interface PlaygroundExtension {
  /** Registers the events of `namespace`'s sockets; called once per learner namespace, not per socket. */
  events(on: EventRegistrar, namespace: LearnerNamespace): void
  /** Called for every new socket, after its events are in place. */
  connected?(socket: PlaygroundSocket): void
}

export interface PlaygroundSocketData {
  space: string
  namespace: LearnerNamespace
  label: string
  /** The instance the socket is connected to: `fetchSockets()` reports it from any instance. */
  instance: string
}

export type PlaygroundSocket = Socket<Record<string, never>, PlaygroundServerEvents, Record<string, never>, PlaygroundSocketData>
export type PlaygroundNsp = Namespace<Record<string, never>, PlaygroundServerEvents, Record<string, never>, PlaygroundSocketData>

/** What an event handler knows about its socket (made when an event arrives, not kept per socket). */
export interface SocketContext {
  socket: PlaygroundSocket
  space: string
  namespace: LearnerNamespace
  me: TracedSocket
  nsp: PlaygroundNsp
  nextTraceId: () => string
}

/**
 * Registers a validated, rate-limited event for every socket of a namespace: `run` gets the parsed
 * payload and the socket's context and returns the ack answer (or a promise of it); a thrown
 * SandboxError becomes `{ error: { code, message } }`.
 */
export type EventRegistrar = <S extends z.ZodTypeAny, A>(
  event: string,
  schema: S,
  run: (payload: z.output<S>, context: SocketContext) => A | Promise<A>,
) => void

/**
 * Runs a call. `nsp` is the learner's namespace: what `io.of("/chat")` is in the lesson.
 * The `switch` mirrors `serverLine()` (protocol) one case for one case.
 */
function runCall(socket: PlaygroundSocket, nsp: PlaygroundNsp, call: SendCall, msg: MessageEvent): void {
  const [room = ''] = msg.rooms
  switch (call) {
    case 'socket.emit':
      return // the server is the only receiver: the handler's ack is all that happens
    case 'socket.broadcast.emit':
      socket.broadcast.emit('message', msg)
      return
    case 'socket.to(room).emit':
      socket.to(room).emit('message', msg)
      return
    case 'io.to(room).emit':
      nsp.to(room).emit('message', msg)
      return
    case 'io.to(rooms).emit':
      nsp.to(msg.rooms).emit('message', msg)
      return
    case 'io.emit':
      nsp.emit('message', msg)
      return
  }
}

/** The one place an event's error becomes an answer: it is counted and logged here. */
function reportEventError(options: PlaygroundOptions, socket: PlaygroundSocket, event: string, error: SandboxError, thrown: unknown): void {
  const { space, namespace } = socket.data
  options.metrics.refusedEvent(socket.nsp.name, error.code)
  const fields = { space, namespace, event, code: error.code, address: socket.handshake.address }
  if (error.code === 'INTERNAL') options.logger.error({ ...fields, err: thrown }, `${event} failed`)
  else options.logger.refusal(fields, error.message)
}

/** The rooms a learner sees: every room but the socket's own id room. */
function learnerRooms(socket: Socket): string[] {
  return [...socket.rooms].filter((room) => room !== socket.id).sort()
}

/**
 * Sets up the space-scoped playground namespaces on `io`.
 *
 * Memory: an idle socket costs what Socket.IO itself keeps, plus `socket.data` and one entry per
 * event in its listener table. Every listener is a function shared by all sockets of a learner
 * namespace (Socket.IO calls it with the socket as `this`), the context of an event is made when
 * it arrives, and the rate-limit bucket at the socket's first event (scripts/bench-fanout measures
 * the heap per idle socket against plain Socket.IO).
 *
 * @example
 * attachPlayground(io, { instanceId: 'i1', maxRoomsPerSocket: 8, tracer, fanout, spaces, createBucket, logger, metrics })
 */
export function attachPlayground(io: Server, options: PlaygroundOptions): void {
  let sequence = 0
  const boot = Math.random().toString(36).slice(2, 6)
  const nextTraceId = (): string => `${options.instanceId}.${boot}.${(sequence++).toString(36)}`
  const tables = createEventTables(options, nextTraceId)

  const spaces = io.of(OPEN_NAMESPACE_PATTERN) as unknown as {
    use: (fn: (socket: PlaygroundSocket, next: (err?: Error) => void) => void) => void
    on: (event: 'connection', fn: (socket: PlaygroundSocket) => void) => void
  }
  // Deliveries are traced where a broadcast visits its local recipients (the adapter), once per
  // namespace; a namespace whose adapter cannot be hooked traces with a listener per socket.
  const traced = new WeakSet<Namespace>()
  // A Redis adapter subscribes when its namespace is made (by its first socket): first wait for it.
  if (options.subscribed) spaces.use(admitWhenSubscribed(options.subscribed))
  spaces.use((socket, next) => admitSocket(options, socket, next))
  spaces.on('connection', (socket) => onConnection(options, socket, tables, traced))
  io.on('new_namespace', (nsp: Namespace) => {
    const where = OPEN_NAMESPACE_PATTERN.test(nsp.name) ? parseSpaceNamespace(nsp.name) : null
    if (where && traceDeliveries(nsp.adapter, options.tracer, where.space, where.namespace)) traced.add(nsp)
  })
}

/** The handshake check: a playground namespace, valid auth, and room in the space. */
function admitSocket(options: PlaygroundOptions, socket: PlaygroundSocket, next: (err?: Error) => void): void {
  const where = parseSpaceNamespace(socket.nsp.name)
  if (!where) return next(new SandboxError('INVALID_HANDSHAKE', 'not a playground namespace').toConnectError())
  const auth = playgroundAuthSchema.safeParse(socket.handshake.auth)
  if (!auth.success) {
    const detail = auth.error.issues.map((issue) => `${issue.path.join('.') || 'auth'}: ${issue.message}`).join('; ')
    return next(new SandboxError('INVALID_HANDSHAKE', `playground auth is invalid: ${detail}`).toConnectError())
  }
  try {
    options.spaces.admit(where.space, socket)
  } catch (error) {
    return next(SandboxError.from(error).toConnectError())
  }
  socket.data = { space: where.space, namespace: where.namespace, label: auth.data.label, instance: options.instanceId }
  next()
}

/** A learner namespace's events: the listener shared by all its sockets, per event name. */
interface EventTable {
  listeners: Map<string, (this: PlaygroundSocket, ...args: unknown[]) => void>
  /** Answers unregistered events with UNKNOWN_EVENT (an `onAny` listener). */
  unknown: (this: PlaygroundSocket, event: unknown, ...args: unknown[]) => void
}

/** Builds each learner namespace's table on first use: the playground's events, then the extension's. */
function createEventTables(options: PlaygroundOptions, nextTraceId: () => string): (namespace: LearnerNamespace) => EventTable {
  const tables = new Map<LearnerNamespace, EventTable>()
  const buckets = new WeakMap<PlaygroundSocket, TokenBucket>()
  const dispatch = createDispatch(options, buckets, nextTraceId)
  return (namespace) => {
    const found = tables.get(namespace)
    if (found) return found
    const listeners: EventTable['listeners'] = new Map()
    const on: EventRegistrar = (event, schema, run) => {
      listeners.set(event, function (this: PlaygroundSocket, ...args: unknown[]) {
        void dispatch(this, event, schema, run, args)
      })
    }
    registerPlaygroundEvents(options, on)
    options.extend?.events(on, namespace)
    const names = [...listeners.keys()].join(', ')
    const unknown = function (this: PlaygroundSocket, event: unknown, ...args: unknown[]): void {
      // The event name is network data: a client may send a number (or anything JSON) as one.
      if (typeof event === 'string' && listeners.has(event)) return
      const name = String(event).slice(0, 40)
      const refuse = () => {
        throw new SandboxError('UNKNOWN_EVENT', `unknown event "${name}": use ${names}`)
      }
      void dispatch(this, name, z.unknown(), refuse, args)
    }
    const table = { listeners, unknown }
    tables.set(namespace, table)
    return table
  }
}

/** Validates, rate-limits and answers one event of `socket` (its context made now); never lets an error escape. */
function createDispatch(options: PlaygroundOptions, buckets: WeakMap<PlaygroundSocket, TokenBucket>, nextTraceId: () => string) {
  return async <S extends z.ZodTypeAny, A>(
    socket: PlaygroundSocket,
    event: string,
    schema: S,
    run: (payload: z.output<S>, context: SocketContext) => A | Promise<A>,
    args: unknown[],
  ): Promise<void> => {
    const { space, namespace, label } = socket.data
    const me: TracedSocket = { socketId: socket.id, label }
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined
    let bucket = buckets.get(socket)
    if (!bucket) buckets.set(socket, (bucket = options.createBucket()))
    let answer: unknown
    try {
      if (!bucket.take()) throw new SandboxError('RATE_LIMITED', 'too many events: slow down and try again in a second')
      const context: SocketContext = { socket, space, namespace, me, nsp: socket.nsp as PlaygroundNsp, nextTraceId }
      answer = await run(parseOrThrow(schema, args[0], `${event}: `), context)
    } catch (thrown) {
      const error = SandboxError.from(thrown)
      reportEventError(options, socket, event, error, thrown)
      options.tracer.emit(space, { kind: 'error', namespace, ...me, code: error.code, message: error.message })
      answer = error.toAck()
      if (!ack) socket.emit('sandbox:error', error.toBody())
    }
    ack?.(answer)
  }
}

/** Greets a connected socket and gives it its namespace's shared listeners. */
function onConnection(
  options: PlaygroundOptions,
  socket: PlaygroundSocket,
  tables: (namespace: LearnerNamespace) => EventTable,
  traced: WeakSet<Namespace>,
): void {
  const { tracer } = options
  const { space, namespace, label } = socket.data
  const table = tables(namespace)

  socket.emit('hello', { instance: options.instanceId, socketId: socket.id, namespace, space, fanout: options.fanout() })
  tracer.emit(space, { kind: 'connect', namespace, socketId: socket.id, label })

  if (!traced.has(socket.nsp)) socket.onAnyOutgoing(traceOutgoing(tracer))
  for (const [event, listener] of table.listeners) socket.on(event as never, listener as never)
  onAnyCompact(socket, table.unknown)
  socket.on('disconnect', traceDisconnect(tracer))
  options.extend?.connected?.(socket)
}

/**
 * Without an adapter hook: every packet written to the socket, including broadcasts that arrived
 * through Redis, passes here. One `onAnyOutgoing` listener per tracer, shared by every socket
 * (`this` is the socket).
 */
const outgoingListeners = new WeakMap<Tracer, (this: PlaygroundSocket, event: string, payload: unknown) => void>()
function traceOutgoing(tracer: Tracer) {
  let listener = outgoingListeners.get(tracer)
  if (!listener) {
    listener = function (this: PlaygroundSocket, event: string, payload: unknown): void {
      if (event !== 'message') return
      const { space, namespace, label } = this.data
      tracer.delivered(space, namespace, (payload as MessageEvent).traceId, { socketId: this.id, label })
    }
    outgoingListeners.set(tracer, listener)
  }
  return listener
}

/** One `disconnect` listener per tracer, shared by every socket (`this` is the socket). */
const disconnectListeners = new WeakMap<Tracer, (this: PlaygroundSocket, reason: string) => void>()
function traceDisconnect(tracer: Tracer) {
  let listener = disconnectListeners.get(tracer)
  if (!listener) {
    listener = function (this: PlaygroundSocket, reason: string): void {
      const { space, namespace, label } = this.data
      tracer.emit(space, { kind: 'disconnect', namespace, socketId: this.id, label, reason })
    }
    disconnectListeners.set(tracer, listener)
  }
  return listener
}

/** `room:join`, `room:leave` and `send`, for every playground namespace. */
function registerPlaygroundEvents(options: PlaygroundOptions, on: EventRegistrar): void {
  on('room:join', roomPayloadSchema, ({ room }, { socket, me }) => changeRoom(options, socket, me, 'join', room))
  on('room:leave', roomPayloadSchema, ({ room }, { socket, me }) => changeRoom(options, socket, me, 'leave', room))
  on('send', sendPayloadSchema, ({ call, rooms, text }, { socket, space, namespace, me, nsp, nextTraceId }) => {
    const msg: MessageEvent = { traceId: nextTraceId(), call, from: me.label, text, rooms }
    options.tracer.emit(space, {
      kind: 'call',
      namespace,
      ...me,
      traceId: msg.traceId,
      call,
      serverLine: serverLine(call, namespace, rooms),
      rooms,
      text,
    })
    runCall(socket, nsp, call, msg)
    return { ok: true as const, traceId: msg.traceId }
  })
}

/**
 * Joins or leaves `room` (within the per-socket room limit) and traces the socket's rooms. A join
 * answers once the room's channel is subscribed, so a broadcast sent right after reaches it.
 */
function changeRoom(
  options: PlaygroundOptions,
  socket: PlaygroundSocket,
  me: TracedSocket,
  kind: 'join' | 'leave',
  room: string,
): RoomAnswer | Promise<RoomAnswer> {
  if (kind === 'join') {
    if (!socket.rooms.has(room) && learnerRooms(socket).length >= options.maxRoomsPerSocket) {
      throw new SandboxError('ROOM_LIMIT', `a socket may sit in at most ${options.maxRoomsPerSocket} rooms`)
    }
    void socket.join(room)
  } else {
    void socket.leave(room)
  }
  const rooms = learnerRooms(socket)
  const { space, namespace } = socket.data
  options.tracer.emit(space, { kind, namespace, ...me, room, rooms })
  const answer: RoomAnswer = { ok: true, rooms }
  const subscribed = kind === 'join' ? options.subscribed?.() : null
  return subscribed ? subscribed.then(() => answer) : answer
}

type RoomAnswer = { ok: true; rooms: string[] }
