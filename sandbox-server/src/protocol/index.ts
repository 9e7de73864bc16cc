/**
 * The wire protocol between the workbook's widgets and a sandbox instance.
 *
 * This module is the single source of truth for event names, payload shapes and error codes.
 * The server validates every incoming payload against the zod schemas here; the site imports
 * only the *types* (`import type`), so no validation code ships to the browser.
 *
 * Namespaces: a learner's traffic lives in a **space** (a short random code). Each space has its
 * own copy of the playground namespaces, e.g. the learner-facing `/chat` is `/s/k7q2mx/chat` on the
 * wire, so two learners never see each other's packets unless they share a code.
 *
 * @module
 */
import { z } from 'zod'

/** A space code: 6 characters from `a-z0-9`. Short enough to read aloud to a classmate. */
export const SPACE_CODE_PATTERN = /^[a-z0-9]{6}$/

/** Namespaces a learner can pick in the room playground (lesson 2), as the lesson names them. */
export const PLAYGROUND_NAMESPACES = ['/chat', '/admin'] as const
export type PlaygroundNamespace = (typeof PLAYGROUND_NAMESPACES)[number]

/**
 * Namespaces of the cluster fan-out (lesson 3), side by side on the same cluster:
 * `/with-redis` uses the classic Redis adapter (what the lesson teaches; the Redis emitter can
 * reach it), `/without-redis` the default in-memory adapter.
 */
export const CLUSTER_NAMESPACES = ['/with-redis', '/without-redis'] as const
export type ClusterNamespace = (typeof CLUSTER_NAMESPACES)[number]

/** Every learner-facing namespace of a space. */
export type LearnerNamespace = PlaygroundNamespace | ClusterNamespace

/** Namespace every widget uses to watch its space's server-side trace. */
export const OBSERVE_NAMESPACE = '/observe'

/** Matches a space-scoped learner namespace; groups: space code, learner-facing name. */
export const SPACE_NAMESPACE_PATTERN = /^\/s\/([a-z0-9]{6})(\/chat|\/admin|\/with-redis|\/without-redis)$/

/**
 * The wire name of a learner-facing namespace in a space.
 *
 * @example
 * spaceNamespace('k7q2mx', '/chat') // => '/s/k7q2mx/chat'
 */
export function spaceNamespace(space: string, namespace: LearnerNamespace): string {
  return `/s/${space}${namespace}`
}

/**
 * Splits a wire namespace into its space and learner-facing name, or `null` if it is not one.
 *
 * @example
 * parseSpaceNamespace('/s/k7q2mx/admin') // => { space: 'k7q2mx', namespace: '/admin' }
 */
export function parseSpaceNamespace(
  wireName: string,
): { space: string; namespace: LearnerNamespace } | null {
  const match = SPACE_NAMESPACE_PATTERN.exec(wireName)
  if (!match) return null
  return { space: match[1] as string, namespace: match[2] as LearnerNamespace }
}

// ---------------------------------------------------------------------------------------------
// Error codes
// ---------------------------------------------------------------------------------------------

/**
 * Stable error codes. They appear in error acks (`{ error: { code, message } }`), in the
 * `sandbox:error` event (when the client gave no ack callback) and in `connect_error.data.code`.
 */
export const ERROR_CODES = [
  /** The payload does not match the event's schema. */
  'INVALID_PAYLOAD',
  /** The event name is not part of this protocol. */
  'UNKNOWN_EVENT',
  /** Too many events in a short time from one socket. */
  'RATE_LIMITED',
  /** The socket already sits in the maximum number of rooms. */
  'ROOM_LIMIT',
  /** Handshake: the `auth` object is missing or malformed. */
  'INVALID_HANDSHAKE',
  /** Handshake: the page's Origin is not one of the site's origins. */
  'FORBIDDEN_ORIGIN',
  /** Handshake: the space already holds the maximum number of sockets. */
  'SPACE_FULL',
  /** A cluster request (fetchSockets, serverSideEmit) got no answer in time, or could not be sent (is Redis down?). */
  'CLUSTER_TIMEOUT',
  /** Something failed on the server; the server keeps running. */
  'INTERNAL',
  /** HTTP: a state-changing request whose body is not `Content-Type: application/json` (status 415). */
  'UNSUPPORTED_MEDIA_TYPE',
  /** HTTP: the request body is larger than the instance accepts (status 413). */
  'PAYLOAD_TOO_LARGE',
  /** Handshake: this Engine.IO connection already holds the maximum number of namespaces. */
  'NAMESPACE_LIMIT',
  /** Handshake: this client address already holds the maximum number of connections to this instance. */
  'TOO_MANY_CONNECTIONS',
  /** The emitter could not publish because Redis is unreachable (status 503). */
  'REDIS_UNAVAILABLE',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** The body of every error the sandbox sends. */
export interface SandboxErrorBody {
  code: ErrorCode
  message: string
}

/** What an acknowledged event answers on failure. */
export interface ErrorAck {
  error: SandboxErrorBody
}

// ---------------------------------------------------------------------------------------------
// Handshake
// ---------------------------------------------------------------------------------------------

/**
 * A room name a learner may use: lowercase words, e.g. `paris`, `lyon`, `team-1`. At most 16
 * characters, so a room can never be mistaken for a socket id (20 characters): the sharded
 * adapter gives every non-id room its own Redis channel.
 */
export const roomNameSchema = z
  .string({ required_error: 'room is required', invalid_type_error: 'room must be a string' })
  .regex(/^[a-z0-9][a-z0-9-]{0,15}$/, 'room must be 1-16 characters of a-z, 0-9 and "-", starting with a letter or digit')

/** `auth` sent by a playground socket (`io(url + '/s/<space>/chat', { auth })`). */
export const playgroundAuthSchema = z.object({
  /** The virtual client's display name in the widget, e.g. `A`. */
  label: z.string().regex(/^[A-Za-z0-9 _-]{1,16}$/, 'label must be 1-16 letters, digits, space, _ or -'),
})
  .strict()
export type PlaygroundAuth = z.input<typeof playgroundAuthSchema>

/**
 * `auth` sent by an observer socket on `/observe`. An instance traces a space only while at least
 * one observer of that space is connected *to that instance*: tracing costs nothing otherwise.
 * A widget therefore opens one observer per instance and merges the three traces.
 */
export const observeAuthSchema = z
  .object({
    space: z.string().regex(SPACE_CODE_PATTERN, 'space must be 6 characters of a-z and 0-9'),
  })
  .strict()
export type ObserveAuth = z.input<typeof observeAuthSchema>

// ---------------------------------------------------------------------------------------------
// Client -> server events (playground namespaces)
// ---------------------------------------------------------------------------------------------

/**
 * The calls the playground can ask the server to run. Each maps to one exact server line,
 * see `SERVER_LINES` in the playground feature.
 */
export const SEND_CALLS = [
  'socket.emit',
  'socket.broadcast.emit',
  'socket.to(room).emit',
  'io.to(room).emit',
  'io.to(rooms).emit',
  'io.emit',
] as const
export type SendCall = (typeof SEND_CALLS)[number]

export const roomPayloadSchema = z.object({ room: roomNameSchema }).strict()
export type RoomPayload = z.infer<typeof roomPayloadSchema>

export const sendPayloadSchema = z
  .object({
    call: z.enum(SEND_CALLS, {
      errorMap: () => ({ message: `call must be one of: ${SEND_CALLS.join(', ')}` }),
    }),
    /** Target rooms: exactly one for `to(room)` calls, 1-5 for `io.to(rooms)`, none otherwise. */
    rooms: z.array(roomNameSchema).max(5, 'at most 5 rooms').default([]),
    text: z.string().min(1, 'text must not be empty').max(280, 'text must be at most 280 characters'),
  })
  .strict()
  .superRefine((value, ctx) => {
    const needsOne = value.call === 'socket.to(room).emit' || value.call === 'io.to(room).emit'
    const needsSome = value.call === 'io.to(rooms).emit'
    if (needsOne && value.rooms.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['rooms'], message: `${value.call} needs exactly one room` })
    } else if (needsSome && value.rooms.length < 1) {
      ctx.addIssue({ code: 'custom', path: ['rooms'], message: `${value.call} needs at least one room` })
    } else if (!needsOne && !needsSome && value.rooms.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['rooms'], message: `${value.call} takes no rooms` })
    }
  })
export type SendPayload = z.input<typeof sendPayloadSchema>

/** Acks of the playground events. */
export type RoomAck = { ok: true; rooms: string[] } | ErrorAck
export type SendAck = { ok: true; traceId: string } | ErrorAck

/** Events a playground socket may emit, with their ack. */
export interface PlaygroundClientEvents {
  'room:join': (payload: RoomPayload, ack: (answer: RoomAck) => void) => void
  'room:leave': (payload: RoomPayload, ack: (answer: RoomAck) => void) => void
  send: (payload: SendPayload, ack: (answer: SendAck) => void) => void
}

// ---------------------------------------------------------------------------------------------
// Server -> client events
// ---------------------------------------------------------------------------------------------

/** How this instance reaches the other instances. */
export type FanoutState = 'redis' | 'redis-down' | 'local-only'

/** Sent once to every playground and observer socket right after it connects. */
export interface HelloEvent {
  instance: string
  socketId: string
  /** Learner-facing namespace (`/chat`), or `/observe`. */
  namespace: string
  space: string
  fanout: FanoutState
}

/** Calls that only the cluster fan-out offers. */
export type ClusterCall = 'io.to(socketId).emit' | 'emitter.emit'

/** What a playground socket receives when a call reaches it. */
export interface MessageEvent {
  traceId: string
  call: SendCall | ClusterCall
  /** Label of the sending virtual client. */
  from: string
  text: string
  rooms: string[]
}

export interface PlaygroundServerEvents {
  hello: (hello: HelloEvent) => void
  message: (message: MessageEvent) => void
  'sandbox:error': (error: SandboxErrorBody) => void
}

// ---------------------------------------------------------------------------------------------
// Trace (server -> observers of a space)
// ---------------------------------------------------------------------------------------------

interface TraceBase {
  /** Server time (ms since epoch) when the instance saw it. */
  at: number
  /** The instance that saw it, e.g. `i1`. */
  instance: string
  /** Learner-facing namespace, e.g. `/chat`. */
  namespace: LearnerNamespace
}

/** One socket, as the trace names it. */
export interface TracedSocket {
  socketId: string
  label: string
}

export type TraceEvent =
  | (TraceBase & TracedSocket & { kind: 'connect' })
  | (TraceBase & TracedSocket & { kind: 'disconnect'; reason: string })
  | (TraceBase & TracedSocket & { kind: 'join' | 'leave'; room: string; rooms: string[] })
  | (TraceBase &
      TracedSocket & {
        kind: 'call'
        traceId: string
        call: SendCall | ClusterCall
        /** The exact line the instance ran, e.g. `socket.to("paris").emit("message", msg)`. */
        serverLine: string
        rooms: string[]
        text: string
      })
  | (TraceBase & {
      kind: 'delivery'
      traceId: string
      /** Sockets of this instance the packet was written to. */
      recipients: TracedSocket[]
    })
  | (TraceBase & TracedSocket & { kind: 'error'; code: ErrorCode; message: string })
  | (TraceBase & { kind: 'redis' } & RedisTraffic)
  | (TraceBase & { kind: 'outage'; down: boolean })

export type TraceKind = TraceEvent['kind']

/**
 * One message on a Redis channel of a space's `/with-redis` namespace, as a real Redis subscriber
 * on the reporting instance (`instance`) read and decoded it. Every instance subscribed to the
 * namespace reports the same message: together they say who received it.
 */
export interface RedisTraffic {
  /** Same value for the same message wherever it was read: merge the instances' reports by it. */
  key: string
  channel: string
  /** `broadcast` (a packet for sockets), or the request/response of fetchSockets/serverSideEmit. */
  type: 'broadcast' | 'request' | 'response'
  /** Instance that published it (`emitter` for the Redis emitter); `null` when unknown. */
  publishedBy: string | null
  /** Rooms targeted (empty: the whole namespace). */
  rooms: string[]
  /** Rooms (often socket ids) excluded, e.g. the sender for `socket.broadcast.emit`. */
  except: string[]
  /** Socket.IO packet type name, e.g. `EVENT`, or the request type, e.g. `REMOTE_FETCH`. */
  packetType: string
  /** Event name and traceId of the message, when it carries one. */
  event: string | null
  traceId: string | null
  /** Size of the raw Redis message, bytes. */
  bytes: number
  /**
   * Whether the reporting instance's adapter is subscribed to this channel, i.e. hosts the
   * namespace (the report itself comes from a separate tap that reads every watched instance).
   * An instance with none of the space's `/with-redis` sockets has no such namespace, so Redis
   * never sends it the message.
   */
  subscribed: boolean
}

// ---------------------------------------------------------------------------------------------
// Cluster fan-out events (lesson 3, on `/with-redis` and `/without-redis`)
// ---------------------------------------------------------------------------------------------

/** `cluster:direct`: emit to one socket by id, wherever it lives. */
export const directPayloadSchema = z
  .object({
    to: z.string().regex(/^[A-Za-z0-9_-]{20}$/, 'to must be a socket id (20 characters)'),
    text: z.string().min(1, 'text must not be empty').max(280, 'text must be at most 280 characters'),
  })
  .strict()
export type DirectPayload = z.input<typeof directPayloadSchema>

/** A socket as `fetchSockets()` returns it, from any instance. */
export interface RemoteSocketInfo {
  socketId: string
  label: string
  instance: string
  rooms: string[]
}

export type FetchSocketsAck = { ok: true; sockets: RemoteSocketInfo[] } | ErrorAck
/** `cluster:server-side-emit` answer: each instance that heard the ping, with its local sockets. */
export type ServerSideEmitAck = { ok: true; answers: { instance: string; sockets: number }[] } | ErrorAck

/** Observer -> instance: simulate a Redis outage for this space only (lesson 3). */
export const simulateOutageSchema = z.object({ down: z.boolean() }).strict()
export type SimulateOutageAck = { ok: true; down: boolean } | ErrorAck

/** What an observer may send. */
export interface ObserveClientEvents {
  'redis:simulate-outage': (payload: { down: boolean }, ack: (answer: SimulateOutageAck) => void) => void
}

export interface ObserveServerEvents {
  hello: (hello: HelloEvent) => void
  trace: (event: TraceEvent) => void
}

// ---------------------------------------------------------------------------------------------
// Bare transports (lesson 1): long polling, SSE and a raw WebSocket under /t/<space>/
// ---------------------------------------------------------------------------------------------

/** The three transports of the race, as the widget and the stats name them. */
export const TRANSPORTS = ['long-polling', 'sse', 'websocket'] as const
export type TransportName = (typeof TRANSPORTS)[number]

/** One event of a space's stream. The same event reaches all three transports. */
export interface StreamEvent {
  /** Position in the stream, from 1; the cursor of long polling and the SSE `id:`. */
  id: number
  /** Server time (ms since epoch) when the event was produced. */
  sentAt: number
  /** Padding text of the configured size, standing for a real payload. */
  data: string
}

/** `POST /t/<space>/stream`: set the event rate (0 stops) and the payload size. */
export const streamSettingsSchema = z
  .object({
    eventsPerSecond: z.number().min(0, 'eventsPerSecond must be 0-50').max(50, 'eventsPerSecond must be 0-50'),
    payloadBytes: z.number().int().min(0).max(1024, 'payloadBytes must be 0-1024').default(32),
  })
  .strict()
export type StreamSettings = z.input<typeof streamSettingsSchema>

/** `POST /t/<space>/messages`: the client -> server direction for SSE and long polling. */
export const upstreamMessageSchema = z
  .object({
    via: z.enum(['sse', 'long-polling'], { errorMap: () => ({ message: 'via must be "sse" or "long-polling"' }) }),
    text: z.string().min(1, 'text must not be empty').max(280, 'text must be at most 280 characters'),
  })
  .strict()
export type UpstreamMessage = z.input<typeof upstreamMessageSchema>

/** `POST /t/<space>/cut`: drop a transport's TCP connections without any goodbye. */
export const cutSchema = z.object({ transport: z.enum(TRANSPORTS) }).strict()

/** What a WebSocket client may send on `/t/<space>/ws`. */
export const wsClientMessageSchema = z.object({ type: z.literal('message'), text: z.string().min(1).max(280) }).strict()

/**
 * What the raw WebSocket sends: stream events as they are (no envelope: what a lean real-time
 * protocol would send, so the race compares transports fairly), and acks of the client's
 * messages or errors, which carry a `type`.
 */
export type WsServerMessage =
  | StreamEvent
  | { type: 'ack'; text: string; receivedAt: number }
  | { type: 'error'; error: SandboxErrorBody }

/** Whether a raw WebSocket message is a stream event (as opposed to an ack or an error). */
export function isStreamEvent(message: WsServerMessage): message is StreamEvent {
  return !('type' in message)
}

/** `GET /t/<space>/poll?after=<id>&waitMs=<ms>` answer. */
export interface PollAnswer {
  events: StreamEvent[]
  /** Pass it back as `after` in the next request. */
  cursor: number
  /** True when the request was held until the timeout and carries no event. */
  timedOut: boolean
  /** True when events between `after` and the first returned one were no longer kept. */
  gap: boolean
}

/** Wire counters of one transport in one space on one instance. */
export interface TransportCounters {
  /** HTTP requests, including the upgrade request of a WebSocket and the POSTs sending messages. */
  httpRequests: number
  /** Bytes received from clients at TCP level: request lines, headers, bodies, WebSocket frames. */
  bytesIn: number
  /** Bytes sent to clients at TCP level: status lines, headers, chunk framing, bodies, frames. */
  bytesOut: number
  openConnections: number
  eventsDelivered: number
  messagesReceived: number
}

/** `GET /t/<space>/stats` */
export interface TransportStats {
  instance: string
  space: string
  eventsPerSecond: number
  lastEventId: number
  transports: Record<TransportName, TransportCounters>
}

/** `GET /t/<space>/handshake`: the last WebSocket upgrade of the space, as the server saw it. */
export interface HandshakeCapture {
  at: number
  request: { line: string; headers: [string, string][] }
  response: { line: string; headers: [string, string][] }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/**
 * `GET /sandbox.json` on the site's origin (served by the launcher, not by an instance): where the
 * instances listen. A widget builds each instance URL from the page's own protocol and hostname
 * plus the port, so the same file works on localhost and on a classroom LAN.
 */
export interface SandboxDirectory {
  instances: { id: string; port: number }[]
  /** The Redis emitter process (lesson 3): `POST /emit` on this port. Absent without Redis. */
  emitter?: { port: number }
  /** How the cluster was started: `local-only` when no Redis could be reached or started. */
  fanout: 'redis' | 'local-only'
}

/** `GET /healthz` */
export interface HealthBody {
  /** `degraded` while Redis is configured but not ready: the instance only reaches its own clients. */
  status: 'ok' | 'degraded'
  instance: string
  fanout: FanoutState
  /** State of this instance's Redis connection, or `disabled` when run without Redis. */
  redis: 'ready' | 'connecting' | 'down' | 'disabled'
  sockets: number
  /** Learner spaces with at least one socket on this instance. */
  spaces: number
  /** Lesson-1 "slot" SSE streams open on this instance (the connection-limit demo). */
  slotStreams: number
  uptimeSeconds: number
}
