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
import type { Tracer } from '../observe/index.ts'
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
  /** A rate limiter for one socket. */
  createBucket: () => TokenBucket
  logger: SandboxLogger
  metrics: SandboxMetrics
  /** Registers more events on each new socket (e.g. the cluster fan-out's, on its namespaces). */
  extend?: (socket: PlaygroundSocket, on: EventRegistrar, context: SocketContext) => void
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

/** What an event handler knows about its socket. */
export interface SocketContext {
  space: string
  namespace: LearnerNamespace
  me: TracedSocket
  nsp: PlaygroundNsp
  nextTraceId: () => string
}

/**
 * Registers a validated, rate-limited event: `run` gets the parsed payload and returns the ack
 * answer (or a promise of it); a thrown SandboxError becomes `{ error: { code, message } }`.
 */
export type EventRegistrar = <S extends z.ZodTypeAny, A>(event: string, schema: S, run: (payload: z.output<S>) => A | Promise<A>) => void

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
 * @example
 * attachPlayground(io, { instanceId: 'i1', maxRoomsPerSocket: 8, tracer, fanout, admit, createBucket })
 */
export function attachPlayground(io: Server, options: PlaygroundOptions): void {
  let sequence = 0
  const boot = Math.random().toString(36).slice(2, 6)
  const nextTraceId = (): string => `${options.instanceId}.${boot}.${(sequence++).toString(36)}`

  const spaces = io.of(OPEN_NAMESPACE_PATTERN) as unknown as {
    use: (fn: (socket: PlaygroundSocket, next: (err?: Error) => void) => void) => void
    on: (event: 'connection', fn: (socket: PlaygroundSocket) => void) => void
  }
  spaces.use((socket, next) => admitSocket(options, socket, next))
  spaces.on('connection', (socket) => onConnection(options, socket, nextTraceId))
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

/** Greets a connected socket, traces what it receives and registers its events. */
function onConnection(options: PlaygroundOptions, socket: PlaygroundSocket, nextTraceId: () => string): void {
  const { tracer } = options
  const { space, namespace, label } = socket.data
  const nsp = socket.nsp as PlaygroundNsp
  const me: TracedSocket = { socketId: socket.id, label }
  const bucket = options.createBucket()

  socket.emit('hello', { instance: options.instanceId, socketId: socket.id, namespace, space, fanout: options.fanout() })
  tracer.emit(space, { kind: 'connect', namespace, ...me })

  // Every packet written to this socket, including broadcasts that arrived through Redis,
  // passes here: this is how the trace knows, per instance, who really got a call.
  socket.onAnyOutgoing((event: string, payload: unknown) => {
    if (event !== 'message') return
    tracer.delivered(space, namespace, (payload as MessageEvent).traceId, me)
  })

  const events = createEvents(options, socket, me, bucket)
  const context: SocketContext = { space, namespace, me, nsp, nextTraceId }
  registerPlaygroundEvents(options, socket, events.on, context)
  options.extend?.(socket, events.on, context)
  rejectUnknownEvents(socket, events)

  socket.on('disconnect', (reason) => {
    tracer.emit(space, { kind: 'disconnect', namespace, ...me, reason })
  })
}

/** A socket's event registrar, the names it registered, and the dispatch every event goes through. */
interface SocketEvents {
  on: EventRegistrar
  known: Set<string>
  dispatch: <S extends z.ZodTypeAny, A>(
    event: string,
    schema: S,
    run: (payload: z.output<S>) => A | Promise<A>,
    args: unknown[],
  ) => Promise<void>
}

/** The registrar for one socket, rate-limited by its own `bucket`. */
function createEvents(options: PlaygroundOptions, socket: PlaygroundSocket, me: TracedSocket, bucket: TokenBucket): SocketEvents {
  const { space, namespace } = socket.data
  const known = new Set<string>()
  /** Validates, rate-limits and answers one event; never lets an error escape. */
  const on: EventRegistrar = (event, schema, run) => {
    known.add(event)
    socket.on(event as never, ((...args: unknown[]) => void dispatch(event, schema, run, args)) as never)
  }
  const dispatch: SocketEvents['dispatch'] = async (event, schema, run, args) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined
    let answer: unknown
    try {
      if (!bucket.take()) throw new SandboxError('RATE_LIMITED', 'too many events: slow down and try again in a second')
      answer = await run(parseOrThrow(schema, args[0], `${event}: `))
    } catch (thrown) {
      const error = SandboxError.from(thrown)
      reportEventError(options, socket, event, error, thrown)
      options.tracer.emit(space, { kind: 'error', namespace, ...me, code: error.code, message: error.message })
      answer = error.toAck()
      if (!ack) socket.emit('sandbox:error', error.toBody())
    }
    ack?.(answer)
  }
  return { on, known, dispatch }
}

/** Answers any event not registered with UNKNOWN_EVENT (through the same dispatch, so it is rate-limited too). */
function rejectUnknownEvents(socket: PlaygroundSocket, { known, dispatch }: SocketEvents): void {
  // The event name is network data: a client may send a number (or anything JSON) as one.
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && known.has(event)) return
    const name = String(event).slice(0, 40)
    void dispatch(
      name,
      z.unknown(),
      () => {
        throw new SandboxError('UNKNOWN_EVENT', `unknown event "${name}": use ${[...known].join(', ')}`)
      },
      args,
    )
  })
}

/** `room:join`, `room:leave` and `send`. */
function registerPlaygroundEvents(options: PlaygroundOptions, socket: PlaygroundSocket, on: EventRegistrar, context: SocketContext): void {
  const { space, namespace, me, nsp, nextTraceId } = context
  on('room:join', roomPayloadSchema, ({ room }) => changeRoom(options, socket, me, 'join', room))
  on('room:leave', roomPayloadSchema, ({ room }) => changeRoom(options, socket, me, 'leave', room))
  on('send', sendPayloadSchema, ({ call, rooms, text }) => {
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

/** Joins or leaves `room` (within the per-socket room limit) and traces the socket's rooms. */
function changeRoom(
  options: PlaygroundOptions,
  socket: PlaygroundSocket,
  me: TracedSocket,
  kind: 'join' | 'leave',
  room: string,
): { ok: true; rooms: string[] } {
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
  return { ok: true, rooms }
}
