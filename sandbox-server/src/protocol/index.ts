/**
 * The wire protocol between the workbook's widgets and a sandbox instance, imported by both sides
 * as `@realtime-workbook/sandbox-server/protocol`.
 *
 * This module is the single source of truth for event names, payload and answer types, the rules
 * of space codes, rooms, labels and texts (patterns, lengths, messages), error codes and the
 * exact server lines the lessons print (`./lines.ts`). It has no dependency (no zod): the browser
 * imports it, and checks what it receives with the small validators at the end of this file
 * (built with `./check.ts`). The server validates what it receives with the zod schemas of
 * `./schemas.ts` (server only), built from the same rules.
 *
 * Namespaces: a learner's traffic lives in a **space** (a short random code). Each space has its
 * own copy of the playground namespaces, e.g. the learner-facing `/chat` is `/s/k7q2mx/chat` on the
 * wire, so two learners never see each other's packets unless they share a code.
 *
 * @module
 */
import { anyOf, arrayOf, isBoolean, isNumber, isString, isStringPair, objectOf, oneOf, optional, orNull, type Check } from './check.ts'

export * from './lines.ts'
export * from './check.ts'

/** The characters of a space code, as a regular-expression fragment (one copy for both patterns). */
const SPACE_CODE_SOURCE = '[a-z0-9]{6}'

/** A space code: 6 characters from `a-z0-9`. Short enough to read aloud to a classmate. */
export const SPACE_CODE_PATTERN = new RegExp(`^${SPACE_CODE_SOURCE}$`)
export const SPACE_CODE_RULE = 'space must be 6 characters of a-z and 0-9'

/**
 * Query parameter by which a raw Engine.IO request may name its learner space
 * (`/socket.io/?EIO=4&transport=polling&space=k7q2mx`). What Engine.IO refuses (a foreign Origin,
 * a packet over `maxHttpBufferSize`) is refused before any namespace says which space a
 * connection is for: with it, the refusal's log line reaches that space's watchers (the security
 * lab's raw attacks send it). It grants nothing; socket.io-client never sends it.
 */
export const ENGINE_SPACE_PARAM = 'space'

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

/**
 * Lesson 4's namespace: a signed token in the handshake `auth` is required to connect, and each
 * event and room is then authorized by the token's role (see the "Secure namespace" section).
 */
export const SECURE_NAMESPACE = '/secure'

/** Namespaces anyone with the space code may open (no token): the playground and cluster ones. */
export const OPEN_NAMESPACES = [...PLAYGROUND_NAMESPACES, ...CLUSTER_NAMESPACES] as const

/** Every learner-facing namespace of a space. */
export const LEARNER_NAMESPACES = [...OPEN_NAMESPACES, SECURE_NAMESPACE] as const
export type LearnerNamespace = (typeof LEARNER_NAMESPACES)[number]

/** Namespace every widget uses to watch its space's server-side trace. */
export const OBSERVE_NAMESPACE = '/observe'

/**
 * The official Socket.IO Admin UI's namespace on every instance (`@socket.io/admin-ui`): the
 * instructor's, never a learner's. Outside `/s/<space>/...`, so no learner namespace pattern
 * matches it; not `/admin`, which would read like lesson 2's `/s/<space>/admin`.
 */
export const ADMIN_UI_NAMESPACE = '/admin-ui'

/** The Admin UI's login name; its password is the instructor secret (or the configured bcrypt hash's). */
export const ADMIN_UI_USERNAME = 'instructor'

/**
 * Matches a space-scoped learner namespace; groups: space code, learner-facing name.
 * Built from the lists above: `/^\/s\/([a-z0-9]{6})(\/chat|\/admin|\/with-redis|\/without-redis|\/secure)$/`.
 */
export const SPACE_NAMESPACE_PATTERN = /* @__PURE__ */ spaceNamespacePattern(LEARNER_NAMESPACES)
/** The open namespaces of every space (what the playground serves): no `/secure`. */
export const OPEN_NAMESPACE_PATTERN = /* @__PURE__ */ spaceNamespacePattern(OPEN_NAMESPACES)
/** The `/secure` namespace of every space: `/^\/s\/([a-z0-9]{6})(\/secure)$/`. */
export const SECURE_NAMESPACE_PATTERN = /* @__PURE__ */ spaceNamespacePattern([SECURE_NAMESPACE])
function spaceNamespacePattern(names: readonly string[]): RegExp {
  return new RegExp(`^/s/(${SPACE_CODE_SOURCE})(${names.join('|')})$`)
}

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
export function parseSpaceNamespace(wireName: string): { space: string; namespace: LearnerNamespace } | null {
  const [, space, name] = SPACE_NAMESPACE_PATTERN.exec(wireName) ?? []
  const namespace = LEARNER_NAMESPACES.find((known) => known === name)
  return space && namespace ? { space, namespace } : null
}

// ---------------------------------------------------------------------------------------------
// Rules of what learners type (one copy: the server's zod schemas and the widgets use these)
// ---------------------------------------------------------------------------------------------

/**
 * Longest room name. At most 16 characters, so a room can never be mistaken for a socket id
 * (20 characters): the sharded adapter gives every non-id room its own Redis channel.
 */
export const ROOM_NAME_MAX_LENGTH = 16
/** A room name a learner may use: lowercase words, e.g. `paris`, `lyon`, `team-1`. */
export const ROOM_NAME_PATTERN = new RegExp(`^[a-z0-9][a-z0-9-]{0,${ROOM_NAME_MAX_LENGTH - 1}}$`)
export const ROOM_NAME_RULE = `room must be 1-${ROOM_NAME_MAX_LENGTH} characters of a-z, 0-9 and "-", starting with a letter or digit`

/** Longest label of a virtual client (its display name in the widget, e.g. `A`). */
export const LABEL_MAX_LENGTH = 16
export const LABEL_PATTERN = new RegExp(`^[A-Za-z0-9 _-]{1,${LABEL_MAX_LENGTH}}$`)
export const LABEL_RULE = `label must be 1-${LABEL_MAX_LENGTH} letters, digits, space, _ or -`

/** Length of a Socket.IO socket id (what `io.to(socketId)` targets in lesson 3). */
export const SOCKET_ID_LENGTH = 20
export const SOCKET_ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${SOCKET_ID_LENGTH}}$`)
export const SOCKET_ID_RULE = `to must be a socket id (${SOCKET_ID_LENGTH} characters)`

/** Longest message text, in characters (UTF-16 code units, like `String.length`). */
export const TEXT_MAX_LENGTH = 280
export const TEXT_EMPTY_RULE = 'text must not be empty'
export const TEXT_LENGTH_RULE = `text must be at most ${TEXT_MAX_LENGTH} characters`

/** Most rooms one `io.to(rooms).emit` call may target. */
export const MAX_ROOMS_PER_CALL = 5

// ---------------------------------------------------------------------------------------------
// Error codes
// ---------------------------------------------------------------------------------------------

/**
 * Stable error codes. They appear in error acks (`{ error: { code, message } }`), in the
 * `sandbox:error` event (when the client gave no ack callback) and in `connect_error.data.code`.
 * To add one, add it here with a comment: the types, the server and the browser's answer checks
 * all follow this list.
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
  /**
   * HTTP: the request body is larger than the instance accepts (status 413). Also the code of the
   * log line when Engine.IO refuses a packet over `maxHttpBufferSize` (413 on polling, close 1009 on WebSocket).
   */
  'PAYLOAD_TOO_LARGE',
  /** Handshake: this Engine.IO connection already holds the maximum number of namespaces. */
  'NAMESPACE_LIMIT',
  /** Handshake: this client address already holds the maximum number of connections to this instance. */
  'TOO_MANY_CONNECTIONS',
  /** The emitter could not publish because Redis is unreachable (status 503). */
  'REDIS_UNAVAILABLE',
  /** Instructor fault controls (the launcher): this action cannot run now, e.g. Redis is not the launcher's, or the instance is already down (status 409). */
  'FAULT_UNAVAILABLE',
  /** `/secure` handshake: `auth.token` is absent (or not a string). */
  'TOKEN_MISSING',
  /** `/secure` handshake: the token is not a JWT (three base64url parts) or its claims are not ours. */
  'TOKEN_MALFORMED',
  /** `/secure` handshake: the signature does not match (signed with another key, or altered). */
  'TOKEN_INVALID_SIGNATURE',
  /** `/secure` handshake: the token says `alg: none` (unsigned); only HS256 is accepted. */
  'TOKEN_ALG_NONE',
  /** `/secure` handshake: the token is signed with an algorithm other than HS256. */
  'TOKEN_UNSUPPORTED_ALG',
  /** `/secure`: the token's `exp` has passed (at the handshake, or while connected: `secure:expired`). */
  'TOKEN_EXPIRED',
  /** `/secure` handshake: the token was issued for another space (its `aud`). */
  'TOKEN_WRONG_AUDIENCE',
  /** `/secure`: the token's role may not use this event or room (e.g. a learner joining `moderators`). */
  'FORBIDDEN',
  /** Lesson 5: the experiment is already running (a position stream in this space, a wire measurement on this instance). */
  'BUSY',
  /** Instructor routes: the `Authorization: Bearer` secret is missing or wrong (status 401), or a projector key asked for an action. */
  'INSTRUCTOR_UNAUTHORIZED',
  /** Classes: no open class has this join code (never created, closed, or expired). HTTP 404. */
  'CLASS_NOT_FOUND',
  /** `/class` handshake: the class is locked, a new name may not join (a known member may come back). */
  'CLASS_LOCKED',
  /** `/class` handshake: another member of the class already uses this display name (case-insensitive). */
  'NAME_TAKEN',
  /** `/class` handshake: the class holds the maximum number of members. */
  'CLASS_FULL',
  /** `/class` handshake: the display name breaks the name rule (`MEMBER_NAME_RULE`). */
  'INVALID_NAME',
  /** Instructor: the deployment holds the maximum number of open classes (HTTP 409). */
  'CLASS_LIMIT',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** The body of every error the sandbox sends. */
export interface SandboxErrorBody {
  code: ErrorCode
  message: string
  /** `RATE_LIMITED` from the shared (cluster-wide) limiter: wait this long before the next event, ms. */
  retryAfterMs?: number
}

/** What an acknowledged event answers on failure. */
export interface ErrorAck {
  error: SandboxErrorBody
}

// ---------------------------------------------------------------------------------------------
// Handshake
// ---------------------------------------------------------------------------------------------

/** `auth` sent by a playground socket (`io(url + '/s/<space>/chat', { auth })`). */
export interface PlaygroundAuth {
  /** The virtual client's display name in the widget, e.g. `A` (see `LABEL_PATTERN`). */
  label: string
}

/**
 * `auth` sent by an observer socket on `/observe`. An instance traces a space only while at least
 * one observer of that space is connected *to that instance*: tracing costs nothing otherwise.
 * A widget therefore opens one observer per instance and merges the three traces.
 */
export interface ObserveAuth {
  space: string
}

// ---------------------------------------------------------------------------------------------
// Client -> server events (playground namespaces)
// ---------------------------------------------------------------------------------------------

/** The calls the playground can ask the server to run. Each runs one exact line: `serverLine()`. */
export const SEND_CALLS = [
  'socket.emit',
  'socket.broadcast.emit',
  'socket.to(room).emit',
  'io.to(room).emit',
  'io.to(rooms).emit',
  'io.emit',
] as const
export type SendCall = (typeof SEND_CALLS)[number]

/**
 * How many rooms a call takes: exactly one (`to(room)`), 1-5 (`io.to(rooms)`) or none.
 *
 * @example
 * callRooms('io.to(rooms).emit') // => 'some'
 */
export function callRooms(call: SendCall): 'one' | 'some' | 'none' {
  if (call === 'socket.to(room).emit' || call === 'io.to(room).emit') return 'one'
  return call === 'io.to(rooms).emit' ? 'some' : 'none'
}

/**
 * What is wrong with the number of rooms given to a call, or `null` (the server's rule and message).
 *
 * @example
 * sendRoomsProblem('io.emit', 1) // => 'io.emit takes no rooms'
 */
export function sendRoomsProblem(call: SendCall, roomCount: number): string | null {
  const kind = callRooms(call)
  if (kind === 'one' && roomCount !== 1) return `${call} needs exactly one room`
  if (kind === 'some' && roomCount < 1) return `${call} needs at least one room`
  if (kind === 'none' && roomCount > 0) return `${call} takes no rooms`
  return null
}

/** `room:join` / `room:leave` */
export interface RoomPayload {
  room: string
}

/** `send`: ask the instance to run one of the `SEND_CALLS`. */
export interface SendPayload {
  call: SendCall
  /** Target rooms: exactly one for `to(room)` calls, 1-5 for `io.to(rooms)`, none otherwise (default). */
  rooms?: string[]
  text: string
}

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
export const FANOUT_STATES = ['redis', 'redis-down', 'local-only'] as const
export type FanoutState = (typeof FANOUT_STATES)[number]

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
export const CLUSTER_CALLS = ['io.to(socketId).emit', 'emitter.emit'] as const
export type ClusterCall = (typeof CLUSTER_CALLS)[number]

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
  | LogTrace

/** Levels of the instance's log lines. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * A line the instance wrote to its log about this space (already filtered and truncated: never a
 * token, a cookie or a message body), so the lab can show "the log line the instance wrote".
 */
export interface LogTrace extends Omit<TraceBase, 'namespace'> {
  kind: 'log'
  level: LogLevel
  msg: string
  /** Error code of a refusal (`RATE_LIMITED`, `INVALID_HANDSHAKE`, ...). */
  code?: string
  event?: string
  namespace?: string
}

export type TraceKind = TraceEvent['kind']

/** Kinds of Redis messages the tap reports. */
export const REDIS_TRAFFIC_TYPES = ['broadcast', 'request', 'response'] as const

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
  type: (typeof REDIS_TRAFFIC_TYPES)[number]
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
export interface DirectPayload {
  /** A socket id (see `SOCKET_ID_PATTERN`). */
  to: string
  text: string
}

/** A socket as `fetchSockets()` returns it, from any instance. */
export interface RemoteSocketInfo {
  socketId: string
  label: string
  instance: string
  rooms: string[]
}

export type FetchSocketsAck = { ok: true; sockets: RemoteSocketInfo[] } | ErrorAck
/** `cluster:server-side-emit` answer: each OTHER instance that heard the ping (the caller never does), with its local sockets. */
export type ServerSideEmitAck = { ok: true; answers: { instance: string; sockets: number }[] } | ErrorAck

/** Observer -> instance: simulate a Redis outage for this space only (lesson 3). */
export interface SimulateOutagePayload {
  down: boolean
}
export type SimulateOutageAck = { ok: true; down: boolean } | ErrorAck

/** What an observer may send. */
export interface ObserveClientEvents {
  'redis:simulate-outage': (payload: SimulateOutagePayload, ack: (answer: SimulateOutageAck) => void) => void
}

/**
 * Every event a widget sends with an ack, with its payload and its answer: the playground
 * namespaces' events, the cluster namespaces' events and the observer's outage switch.
 */
export interface SandboxRequests {
  'room:join': { payload: RoomPayload; ack: RoomAck }
  'room:leave': { payload: RoomPayload; ack: RoomAck }
  send: { payload: SendPayload; ack: SendAck }
  /** Cluster namespaces only (lesson 3): `io.to(socketId).emit`. */
  'cluster:direct': { payload: DirectPayload; ack: SendAck }
  /** Cluster namespaces only: `fetchSockets()` across the cluster. */
  'cluster:fetch-sockets': { payload: Record<string, never>; ack: FetchSocketsAck }
  /** Cluster namespaces only: `serverSideEmit()` with an ack from every instance. */
  'cluster:server-side-emit': { payload: Record<string, never>; ack: ServerSideEmitAck }
  /** `/observe` only. */
  'redis:simulate-outage': { payload: SimulateOutagePayload; ack: SimulateOutageAck }
  /** `/secure` only: a message to the namespace (rate-limited per user across the cluster). */
  'secure:send': { payload: SecureTextPayload; ack: SendAck }
  /** `/secure` only, moderators only: an announcement to the namespace. */
  'secure:announce': { payload: SecureTextPayload; ack: SendAck }
  /** `/secure` only: disconnect every socket of this user, on every instance. */
  'secure:logout-all': { payload: Record<string, never>; ack: LogoutAllAck }
}
export type SandboxRequest = keyof SandboxRequests

// ---------------------------------------------------------------------------------------------
// Redis emitter (lesson 3): a separate process with one route, `POST /emit`
// ---------------------------------------------------------------------------------------------

/** `POST /emit` body: a message to a space's `/with-redis`, to one room or to everyone. */
export interface EmitPayload {
  space: string
  text: string
  room?: string
}

/** `POST /emit` answer: the trace id of the message and the exact line the emitter ran. */
export type EmitAnswer = { ok: true; traceId: string; line: string } | ErrorAck

export interface ObserveServerEvents {
  hello: (hello: HelloEvent) => void
  trace: (event: TraceEvent) => void
}

// ---------------------------------------------------------------------------------------------
// Secure namespace (lesson 4): signed tokens at the handshake, authorization per event and room
// ---------------------------------------------------------------------------------------------

/** Roles a token may carry. A moderator may use `MODERATOR_ROOMS` and `MODERATOR_EVENTS`. */
export const ROLES = ['learner', 'moderator'] as const
export type Role = (typeof ROLES)[number]

/** Rooms of `/secure` that only a moderator's token may join (`FORBIDDEN` for a learner). */
export const MODERATOR_ROOMS = ['moderators'] as const
/** Events of `/secure` that only a moderator's token may send (`FORBIDDEN` for a learner). */
export const MODERATOR_EVENTS = ['secure:announce'] as const

/**
 * Tokens the token route hands out: a `valid` one, or, for the security lab, a deliberately bad
 * one to attack the handshake with (so the browser never needs a JWT library nor the key):
 * `expired` (exp in the past), `wrong-key` (signed with a throw-away key), `alg-none`
 * (unsigned), `other-space` (audience = another space).
 */
export const TOKEN_KINDS = ['valid', 'expired', 'wrong-key', 'alg-none', 'other-space'] as const
export type TokenKind = (typeof TOKEN_KINDS)[number]

/** Shortest lifetime a learner may ask for, seconds (the lab watches a token expire). */
export const MIN_TOKEN_TTL_SECONDS = 2

/**
 * `POST /s/<space>/token` (or `POST /token` with `space` in the body), JSON only: a token for a
 * display name (the label rule) and a role. `ttlSeconds` asks a shorter lifetime than the
 * instance's `tokenLifetimeSeconds` (never a longer one).
 */
export interface TokenRequest {
  name: string
  role: Role
  /** `MIN_TOKEN_TTL_SECONDS` to the instance's `tokenLifetimeSeconds`; that lifetime when absent. */
  ttlSeconds?: number
  /** `valid` when absent. */
  kind?: TokenKind
  /** Only on `POST /token`; the path's space otherwise. */
  space?: string
}

/** Who a valid token says the socket is. `id` is the token's `sub`, random per issued token. */
export interface SecureUser {
  id: string
  name: string
  role: Role
}

/** `POST .../token` answer. The token is a JWT (HS256) with `aud` = the space and `sub` = `user.id`. */
export type TokenAnswer = { ok: true; token: string; kind: TokenKind; space: string; user: SecureUser; expiresAt: number } | ErrorAck

/** `auth` of a `/secure` socket. Never put the token in the URL: URLs end up in logs. */
export interface SecureAuth {
  token: string
}

/** Sent once to a `/secure` socket after it connects. */
export interface SecureHelloEvent extends HelloEvent {
  user: SecureUser
  /** When the token expires (ms since epoch): the server then sends `secure:expired` and disconnects. */
  expiresAt: number
  /** Largest packet the instance accepts (`maxHttpBufferSize`), bytes: 413 on polling, close 1009 on WebSocket beyond. */
  maxPacketBytes: number
  /** Events per second one USER may send in `/secure`, counted across every instance (Redis). */
  userEventsPerSecond: number
}

/** `secure:send` / `secure:announce` */
export interface SecureTextPayload {
  text: string
}

/** What a `/secure` socket receives: a learner's message or a moderator's announcement. */
export interface SecureMessageEvent {
  traceId: string
  kind: 'message' | 'announce'
  from: SecureUser
  text: string
}

/** `secure:logout-all` answer; every socket of the user, on every instance, is then disconnected. */
export type LogoutAllAck = { ok: true } | ErrorAck

/**
 * Server -> `/secure` socket. `secure:expired` (code `TOKEN_EXPIRED`) comes right before the
 * server disconnects a socket whose token expired (disconnect reason `io server disconnect`).
 */
export interface SecureServerEvents {
  hello: (hello: SecureHelloEvent) => void
  message: (message: SecureMessageEvent) => void
  'secure:expired': (error: SandboxErrorBody) => void
  'sandbox:error': (error: SandboxErrorBody) => void
}

/** What the attacker page tries, in order. */
export const ATTACKS = [
  'polling-handshake',
  'websocket-handshake',
  'simple-post',
  'json-post',
  'token-simple-post',
  'token-json-post',
] as const
/** `refused`: the browser or the server stopped it; `opaque`: sent, its answer hidden from the page; `succeeded`: a hole. */
export const ATTACK_OUTCOMES = ['refused', 'opaque', 'succeeded'] as const

/** What the attacker page posts to its parent frame (`postMessage`) for each attempt. */
export interface AttackReport {
  source: 'rtwb-attacker'
  attack: (typeof ATTACKS)[number]
  outcome: (typeof ATTACK_OUTCOMES)[number]
  detail: string
}

// ---------------------------------------------------------------------------------------------
// Resilience lab (lesson 5): a second Socket.IO server per instance, at RESILIENCE_PATH
// ---------------------------------------------------------------------------------------------

/**
 * The Engine.IO path of the resilience server (socket.io-client's `path` option). It is a second
 * Socket.IO server on the same HTTP server, because `connectionStateRecovery` is a server-wide
 * option that would otherwise change the other lessons' wire (every broadcast would carry an offset).
 */
export const RESILIENCE_PATH = '/resilience/'

/**
 * The lab's two namespaces, with the same events and the same server options: `/streams` uses the
 * Redis Streams adapter (connection state recovery works: missed packets are replayed), `/pubsub`
 * the classic Redis pub/sub adapter (recovery is not supported: `socket.recovered` is always false).
 */
export const RESILIENCE_NAMESPACES = ['/streams', '/pubsub'] as const
export type ResilienceNamespace = (typeof RESILIENCE_NAMESPACES)[number]

/** The lab's namespaces of every space (on the resilience server): `/^\/s\/([a-z0-9]{6})(\/streams|\/pubsub)$/`. */
export const RESILIENCE_NAMESPACE_PATTERN = /* @__PURE__ */ spaceNamespacePattern(RESILIENCE_NAMESPACES)

/**
 * The wire name of a lab namespace in a space.
 *
 * @example
 * resilienceNamespace('k7q2mx', '/streams') // => '/s/k7q2mx/streams'
 */
export function resilienceNamespace(space: string, namespace: ResilienceNamespace): string {
  return `/s/${space}${namespace}`
}

/**
 * Splits a lab wire namespace into its space and name, or `null` if it is not one.
 *
 * @example
 * parseResilienceNamespace('/s/k7q2mx/pubsub') // => { space: 'k7q2mx', namespace: '/pubsub' }
 */
export function parseResilienceNamespace(wireName: string): { space: string; namespace: ResilienceNamespace } | null {
  const [, space, name] = RESILIENCE_NAMESPACE_PATTERN.exec(wireName) ?? []
  const namespace = RESILIENCE_NAMESPACES.find((known) => known === name)
  return space && namespace ? { space, namespace } : null
}

/**
 * `auth` of a lab socket: a label, like the playground's (`PlaygroundAuth`). On a reconnection,
 * socket.io-client itself adds `pid` and `offset` (the session to recover and the last packet
 * it got), whether or not the server can recover: the widget never sets them.
 */
export interface ResilienceAuth extends PlaygroundAuth {
  pid?: string
  offset?: string
}

/**
 * Sent to a lab socket on every connection, including a recovered one (the server's `connection`
 * handler runs again; the socket keeps its id). On a recovered connection the missed packets
 * arrive BEFORE it (socket.io-client emits them, then `connect`, then this). The heartbeat and
 * recovery settings are the server's, so the widget can say what it predicts before it measures.
 */
export interface ResilienceHelloEvent {
  /** The socket id; the same after a recovered reconnection. */
  id: string
  instance: string
  label: string
  namespace: ResilienceNamespace
  space: string
  /** `socket.recovered` as the server saw it (the missed packets were replayed just before this event). */
  recovered: boolean
  /** Engine.IO heartbeat of the resilience server, ms. */
  pingInterval: number
  pingTimeout: number
  /** How long the server keeps a disconnected socket's state and packets, ms. */
  maxDisconnectionDuration: number
}

/** Largest sequence number of a lab message or work item (seq is an integer from 0). */
export const LAB_SEQ_MAX = 1_000_000

/** `lab:send`: the server broadcasts `lab:message` to the other sockets of the namespace (`socket.broadcast.emit`). */
export interface LabSendPayload {
  /** An integer, 0 to `LAB_SEQ_MAX`, chosen by the sender (the receiver lists what it got). */
  seq: number
}

/** What the other sockets of the namespace receive for a `lab:send`. */
export interface LabMessageEvent {
  seq: number
  /** Label of the sender. */
  from: string
  /** Instance the sender is connected to. */
  instance: string
}

/** Bounds of a position stream (`lab:positions`). */
export const POSITIONS_MAX_COUNT = 100
export const POSITIONS_MIN_EVERY_MS = 20
export const POSITIONS_MAX_EVERY_MS = 1000

/**
 * `lab:positions`: the server emits `count` `position` events, one every `everyMs`, to the whole
 * namespace of the space, as normal events or `volatile` ones (never buffered, never stored for
 * recovery). One stream per space and instance at a time (`BUSY` otherwise).
 */
export interface PositionsPayload {
  /** An integer, 1 to `POSITIONS_MAX_COUNT`. */
  count: number
  /** An integer, `POSITIONS_MIN_EVERY_MS` to `POSITIONS_MAX_EVERY_MS`. */
  everyMs: number
  volatile: boolean
}

/** One update of a position stream. `seq` counts from 1 to the stream's `count`. */
export interface PositionEvent {
  seq: number
  x: number
  y: number
  volatile: boolean
  /** Server time (ms since epoch) when it was emitted: a resumed client tells fresh from stale by it. */
  sentAt: number
}

/** Bounds of the flaky handler's settings. */
export const FLAKY_MAX_DELAY_MS = 5000

/**
 * `flaky:configure`: how the space's flaky handler behaves on the instance that receives it
 * (each instance keeps its own, per space; the lab sends its work to one instance).
 */
export interface FlakySettings {
  /** Probability that a `flaky:work` is dropped before the handler (no ack: the client times out), 0 to 1. */
  dropRate: number
  /** How long the handler takes before it acks, ms, an integer 0 to `FLAKY_MAX_DELAY_MS`. */
  delayMs: number
  /** Whether the server skips a message id it already handled (idempotent handling). */
  dedupe: boolean
}

/** Longest client-supplied message id; its characters. */
export const MESSAGE_ID_MAX_LENGTH = 64
export const MESSAGE_ID_PATTERN = new RegExp(`^[A-Za-z0-9_:.-]{1,${MESSAGE_ID_MAX_LENGTH}}$`)
export const MESSAGE_ID_RULE = `messageId must be 1-${MESSAGE_ID_MAX_LENGTH} characters of A-Z, a-z, 0-9, _, :, . or -`

/** `flaky:work`: one unit of work, identified by the client (a retry sends the same id). */
export interface FlakyWorkPayload {
  messageId: string
  /** An integer, 0 to `LAB_SEQ_MAX`. */
  seq: number
}

/** `flaky:configure` answer: the settings now in force. */
export type FlakyConfigureAck = { ok: true; settings: FlakySettings } | ErrorAck

/**
 * `flaky:work` answer. A first run is answered after `delayMs` (the slow handler). With dedupe, a
 * repeated id (a client's retry) does not run again: it waits for the first run to finish (at
 * once if it has) and is answered `duplicate: true`, as an idempotent API returns the stored
 * result. So a retry sent at `ackTimeout` is answered at `delayMs`, within its own timeout when
 * `delayMs < 2 × ackTimeout`. `runs`: how many times the handler has run this id.
 */
export type FlakyWorkAck = { ok: true; duplicate: boolean; runs: number } | ErrorAck

/** The flaky handler's counters for the space on this instance, since the last `flaky:reset`. */
export interface FlakyCounters {
  /** `flaky:work` requests that passed validation and rate limiting. */
  received: number
  /** Of those, dropped before the handler (never acked). */
  dropped: number
  /** Times the handler's effect ran (with dedupe: once per id). */
  handled: number
  /** Effects that ran for an id that had already run (only without dedupe). */
  duplicateEffects: number
  /** Distinct ids the handler ran. */
  uniqueIds: number
  /** Ids the dedupe store holds now (bounded by the instance's `dedupeMaxIds`, expiring). */
  dedupeSize: number
}
export type FlakyReportAck = ({ ok: true; settings: FlakySettings } & FlakyCounters) | ErrorAck

/** Acks that only say it worked (`lab:send`, `lab:positions`, `flaky:reset`). */
export type OkAck = { ok: true } | ErrorAck

/** `storm:cut` answer: how many transports of the space, in this namespace on this instance, were closed. */
export type StormCutAck = { ok: true; cut: number } | ErrorAck

/**
 * Sent to the other sockets of the space's namespace when a socket closes with reason
 * `ping timeout` (its client stopped answering the heartbeat).
 */
export interface PeerGoneEvent {
  label: string
  /** The server's disconnect reason (`ping timeout`). */
  reason: string
  /** Time since the server last received anything from that peer, ms: how long a dead peer went unnoticed. */
  silentMs: number
}

/** Payload sizes of a wire measurement. */
export const WIRE_SIZES = ['small', 'large'] as const
export type WireSize = (typeof WIRE_SIZES)[number]

/**
 * Wire formats measured: the Socket.IO parser (`json`, the default; `msgpack`,
 * socket.io-msgpack-parser), each with permessage-deflate off and on (`+deflate`: Socket.IO's
 * `perMessageDeflate: true` settings, threshold 1024 B, context takeover on). NOTE: the `ws`
 * package applies the threshold only when context takeover is OFF; with the default (on), every
 * message is compressed against the previous ones, small ones included.
 */
export const WIRE_FORMATS = ['json', 'msgpack', 'json+deflate', 'msgpack+deflate'] as const
export type WireFormat = (typeof WIRE_FORMATS)[number]

/** The same payload as text only, or with a binary attachment (a `Buffer` / `Uint8Array` field). */
export const WIRE_PAYLOADS = ['text', 'binary'] as const
export type WirePayload = (typeof WIRE_PAYLOADS)[number]

/** `wire:measure` */
export interface WireMeasurePayload {
  size: WireSize
}

/** One run of a wire measurement. */
export interface WireResult {
  format: WireFormat
  payload: WirePayload
  /** Bytes on the TCP connection (both directions, WebSocket frames included) per message; handshake excluded, no heartbeat in the window. */
  bytesPerMessage: number
  /** CPU time of the instance's process (`process.cpuUsage()`, user + system) per message, µs: client and server sides both. */
  cpuMicrosPerMessage: number
}

/** `wire:measure` answer. */
export type WireMeasureAck =
  | {
      ok: true
      size: WireSize
      /** Messages sent per run. */
      messages: number
      /** Average size of a message as JSON text (binary attachment excluded), bytes. Messages differ (as real ones do). */
      payloadBytes: number
      /** Size of the binary attachment of the `binary` payload, bytes. */
      binaryBytes: number
      /** permessage-deflate threshold of the `+deflate` runs, bytes (Socket.IO's default, 1024; ignored by ws with context takeover, see `WIRE_FORMATS`). */
      deflateThresholdBytes: number
      results: WireResult[]
    }
  | ErrorAck

/** Every event a lab client sends with an ack, with its payload and its answer. */
export interface ResilienceRequests {
  'lab:send': { payload: LabSendPayload; ack: OkAck }
  'lab:positions': { payload: PositionsPayload; ack: OkAck }
  'flaky:configure': { payload: FlakySettings; ack: FlakyConfigureAck }
  'flaky:work': { payload: FlakyWorkPayload; ack: FlakyWorkAck }
  'flaky:report': { payload: Record<string, never>; ack: FlakyReportAck }
  'flaky:reset': { payload: Record<string, never>; ack: OkAck }
  'storm:cut': { payload: Record<string, never>; ack: StormCutAck }
  'wire:measure': { payload: WireMeasurePayload; ack: WireMeasureAck }
}
export type ResilienceRequest = keyof ResilienceRequests

/** Server -> lab socket. Events of a recovered socket may carry one more argument (the offset): ignore it. */
export interface ResilienceServerEvents {
  hello: (hello: ResilienceHelloEvent) => void
  'lab:message': (message: LabMessageEvent) => void
  position: (position: PositionEvent) => void
  'peer:gone': (peer: PeerGoneEvent) => void
  'sandbox:error': (error: SandboxErrorBody) => void
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

/** Highest event rate of a space's stream, events per second. */
export const MAX_EVENTS_PER_SECOND = 50
/** Largest padding of a stream event, bytes; and the default. */
export const MAX_PAYLOAD_BYTES = 1024
export const DEFAULT_PAYLOAD_BYTES = 32

/** `POST /t/<space>/stream`: set the event rate (0 stops) and the payload size. */
export interface StreamSettings {
  /** 0 to `MAX_EVENTS_PER_SECOND`. */
  eventsPerSecond: number
  /** An integer, 0 to `MAX_PAYLOAD_BYTES`; `DEFAULT_PAYLOAD_BYTES` when absent. */
  payloadBytes?: number
}

/** The transports that carry client -> server messages over HTTP POST. */
export const UPSTREAM_VIAS = ['sse', 'long-polling'] as const

/** `POST /t/<space>/messages`: the client -> server direction for SSE and long polling. */
export interface UpstreamMessage {
  via: (typeof UPSTREAM_VIAS)[number]
  text: string
}

/** `POST /t/<space>/cut`: drop a transport's TCP connections without any goodbye. */
export interface CutPayload {
  transport: TransportName
}

/** What a WebSocket client may send on `/t/<space>/ws`. */
export interface WsClientMessage {
  type: 'message'
  text: string
}

/**
 * What the raw WebSocket sends: stream events as they are (no envelope: what a lean real-time
 * protocol would send, so the race compares transports fairly), and acks of the client's
 * messages or errors, which carry a `type`.
 */
export type WsServerMessage = StreamEvent | { type: 'ack'; text: string; receivedAt: number } | { type: 'error'; error: SandboxErrorBody }

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

/** How the launcher started the cluster, as `/sandbox.json` says. */
export const DIRECTORY_FANOUTS = ['redis', 'local-only'] as const

/**
 * `GET /sandbox.json` on the site's origin (served by the launcher, not by an instance): where the
 * instances listen. A widget builds each instance URL from the page's own protocol and hostname
 * plus the port, so the same file works on localhost and on a classroom LAN.
 */
export interface SandboxDirectory {
  instances: { id: string; port: number }[]
  /** The Redis emitter process (lesson 3): `POST /emit` on this port. Absent without Redis. */
  emitter?: { port: number }
  /**
   * Lesson 4: the "attacker" page, on another port of the same host: a second origin, NOT
   * allowed, that tries a cross-site handshake and POSTs (see `AttackReport`).
   */
  attacker?: { port: number }
  /** How the cluster was started: `local-only` when no Redis could be reached or started. */
  fanout: (typeof DIRECTORY_FANOUTS)[number]
}

/** States of an instance's Redis connection, as `/healthz` names them. */
export const REDIS_STATES = ['ready', 'connecting', 'down', 'disabled'] as const

/** `GET /healthz` */
export interface HealthBody {
  /** `degraded` while Redis is configured but not ready: the instance only reaches its own clients. */
  status: 'ok' | 'degraded'
  instance: string
  fanout: FanoutState
  /** State of this instance's Redis connection, or `disabled` when run without Redis. */
  redis: (typeof REDIS_STATES)[number]
  /**
   * Engine.IO connections open on this instance (every widget socket is its own connection), on
   * both of its Socket.IO servers: the main one and lesson 5's resilience server.
   */
  sockets: number
  /** Of those, the resilience lab's (lesson 5). Absent from instances older than lesson 5. */
  resilienceSockets?: number
  /**
   * Of those, the observers: the widgets' trace sockets (`/observe`) and the instructor's Admin UI
   * sockets (`/admin-ui`). Learners' sockets are `sockets - observers`.
   */
  observers: number
  /** Learner spaces with at least one socket on this instance. */
  spaces: number
  /** Lesson-1 "slot" SSE streams open on this instance (the connection-limit demo). */
  slotStreams: number
  uptimeSeconds: number
}

/** What an instance is doing, as `GET /instructor/cluster` names it (`draining`: closing its connections before a restart). */
export const INSTANCE_STATES = ['ok', 'degraded', 'draining'] as const

/**
 * `GET /instructor/cluster` on one instance (instructor or projector key): the console's live
 * figures of this instance. The console polls every instance and shows one row each.
 */
export interface InstanceFigures {
  instance: string
  /** `degraded` while Redis is configured but not ready (as in `/healthz`); `draining` once `drain()` began. */
  state: (typeof INSTANCE_STATES)[number]
  redis: (typeof REDIS_STATES)[number]
  /** Sockets of learner namespaces (`/s/<space>/...`, lesson 5's resilience server included, and `/class`). */
  learnerSockets: number
  /** Sockets of every other namespace: the widgets' `/observe` tracers, the Admin UI's. */
  observerSockets: number
  /** Learner events received per second (averaged over `windowSeconds`); `null` with metrics off. */
  eventsInPerSecond: number | null
  /** Events written to learner sockets per second (a broadcast counts once per recipient); `null` with metrics off. */
  eventsOutPerSecond: number | null
  /** Seconds the event rates are averaged over. */
  windowSeconds: number
  rssBytes: number
  heapUsedBytes: number
  /** Event-loop delay over the last read window (at least 1 s, since the previous read), ms. */
  loopLagP50Ms: number
  loopLagP99Ms: number
  uptimeSeconds: number
}

/** What an instructor key may do: `instructor` acts and reads, `projector` (the classroom screen's key) only reads. */
export const INSTRUCTOR_ROLES = ['instructor', 'projector'] as const
export type InstructorRole = (typeof INSTRUCTOR_ROLES)[number]

/** `GET /instructor/whoami` (any instructor key): the key's role. */
export interface WhoamiAnswer {
  role: InstructorRole
}

/** Instance ids as the launcher names them (`i1` ... `i8`). */
export const INSTANCE_ID_PATTERN = /^i[1-8]$/

/** The instructor's fault controls (`POST /instructor/api/faults` on the site's origin, served by the launcher). */
export const FAULT_ACTIONS = ['kill', 'drain', 'redis-stop', 'redis-start'] as const

/** `POST /instructor/api/faults`: kill or drain one instance, or stop / restart the launcher's own Redis. */
export type FaultAction = { action: 'kill' | 'drain'; instance: string } | { action: 'redis-stop' | 'redis-start' }

/** A supervised process as the launcher sees it (`down`: exited, its restart is scheduled). */
export const PROCESS_STATES = ['starting', 'running', 'draining', 'down', 'stopped'] as const

/** `GET /instructor/api/faults` (instructor key): what the fault controls may act on. */
export interface FaultsStatus {
  instances: { id: string; port: number; state: (typeof PROCESS_STATES)[number]; restarts: number }[]
  redis: {
    /** Whether the launcher started this `redis-server` (and so may stop and restart it). */
    controllable: boolean
    /** `running` / `stopped` for the launcher's own; `external` for one it did not start; `none` without Redis. */
    state: 'running' | 'stopped' | 'external' | 'none'
    /** Why the Redis controls are disabled, or `null`. */
    reason: string | null
  }
}

/** `POST /instructor/api/faults`'s answer: what was done, and the status after it. */
export interface FaultAnswer {
  ok: true
  message: string
  status: FaultsStatus
}

/**
 * The figures of `GET /s/<space>/stats`, for one space or for the whole instance. Rates are
 * averaged over the last `windowSeconds` whole seconds; ack times are the server's (receiving an
 * event with an ack -> calling the ack), over the last 256 acks.
 */
export interface TrafficFigures {
  /**
   * Sockets of learner spaces connected to this instance (observers and `/class` not counted): the
   * space's, or in `instanceTotals` every space's.
   */
  connections: number
  eventsInPerSecond: number
  /** Events written to sockets (a broadcast counts once per recipient). */
  eventsOutPerSecond: number
  ackP50Ms: number | null
  ackP99Ms: number | null
  /** Since the instance started: namespace handshakes refused. */
  rejectedHandshakes: number
  /** Since the instance started: events refused with RATE_LIMITED. */
  rateLimited: number
  /** Since the instance started: Engine.IO packets over `maxHttpBufferSize` (polling 413, WebSocket close 1009). */
  oversizedPackets: number
}

/**
 * `GET /s/<space>/stats` on one instance: the live monitoring panel's figures for one learner
 * space on that instance (a panel polls every instance and sums), plus the same figures for the
 * whole instance (every space, observers not counted; Engine.IO refusals included).
 */
export interface SpaceStats extends TrafficFigures {
  instance: string
  space: string
  windowSeconds: number
  instanceTotals: TrafficFigures
}

// ---------------------------------------------------------------------------------------------
// Checks of what the browser receives: acks, events, HTTP answers (zod-free, see ./check.ts).
// Each is declared with its protocol type, so the compiler proves it accepts nothing else.
// Pages bundle only the checks they use (`@__PURE__` where a bundler cannot tell by itself).
// ---------------------------------------------------------------------------------------------

/** `{ code, message }` of a sandbox error (an error ack's `error`, `sandbox:error`, `connect_error.data`). */
export const isSandboxErrorBody: Check<SandboxErrorBody> = objectOf({
  code: oneOf(ERROR_CODES),
  message: isString,
  retryAfterMs: optional(isNumber),
})

/** An error ack, the only answer a request the protocol does not list can get. */
export const isErrorAnswer: Check<ErrorAck> = objectOf({ error: isSandboxErrorBody })
const isTrue = oneOf([true])
const isRooms = arrayOf(isString)

/** An ack: an `ErrorAck` when it has an `error` field, else the success shape `ok`. */
function ackOf<T>(ok: Check<T>): Check<T | ErrorAck> {
  return (value, why): value is T | ErrorAck =>
    typeof value === 'object' && value !== null && 'error' in value ? isErrorAnswer(value, why) : ok(value, why)
}

export const isRoomAck: Check<RoomAck> = ackOf(objectOf({ ok: isTrue, rooms: isRooms }))
export const isSendAck: Check<SendAck> = ackOf(objectOf({ ok: isTrue, traceId: isString }))
export const isFetchSocketsAck: Check<FetchSocketsAck> = /* @__PURE__ */ ackOf(
  objectOf({ ok: isTrue, sockets: arrayOf(objectOf({ socketId: isString, label: isString, instance: isString, rooms: isRooms })) }),
)
export const isServerSideEmitAck: Check<ServerSideEmitAck> = /* @__PURE__ */ ackOf(
  objectOf({ ok: isTrue, answers: arrayOf(objectOf({ instance: isString, sockets: isNumber })) }),
)
export const isSimulateOutageAck: Check<SimulateOutageAck> = ackOf(objectOf({ ok: isTrue, down: isBoolean }))

/** The check of each ack of the requests `R`. */
export type AckChecks<R extends SandboxRequest> = { [K in R]: Check<SandboxRequests[K]['ack']> }
/** Requests a playground client makes (the `cluster:*` ones on lesson 3's namespaces only). */
export type PlaygroundRequest =
  'room:join' | 'room:leave' | 'send' | 'cluster:direct' | 'cluster:fetch-sockets' | 'cluster:server-side-emit'
/** Requests a `/secure` client makes (lesson 4). */
export type SecureRequest = 'room:join' | 'room:leave' | 'secure:send' | 'secure:announce' | 'secure:logout-all'

/**
 * The acks of a playground client's requests: a page bundles only the tables its clients use
 * (the security lab, no playground client, carries none of the cluster checks).
 *
 * @example
 * PLAYGROUND_ACK_CHECKS['room:join']({ ok: true, rooms: ['paris'] }) // => true
 */
export const PLAYGROUND_ACK_CHECKS: AckChecks<PlaygroundRequest> = {
  'room:join': isRoomAck,
  'room:leave': isRoomAck,
  send: isSendAck,
  'cluster:direct': isSendAck,
  'cluster:fetch-sockets': isFetchSocketsAck,
  'cluster:server-side-emit': isServerSideEmitAck,
}

/** The acks of a `/secure` client's requests (see {@link PLAYGROUND_ACK_CHECKS}). */
export const SECURE_ACK_CHECKS: AckChecks<SecureRequest> = {
  'room:join': isRoomAck,
  'room:leave': isRoomAck,
  'secure:send': isSendAck,
  'secure:announce': isSendAck,
  'secure:logout-all': /* @__PURE__ */ ackOf(objectOf({ ok: isTrue })),
}

/**
 * The check of each request's ack.
 *
 * @example
 * ACK_CHECKS['room:join']({ ok: true, rooms: ['paris'] }) // => true
 */
export const ACK_CHECKS: AckChecks<SandboxRequest> = {
  ...PLAYGROUND_ACK_CHECKS,
  ...SECURE_ACK_CHECKS,
  'redis:simulate-outage': isSimulateOutageAck,
}

export const isHelloEvent: Check<HelloEvent> = objectOf({
  instance: isString,
  socketId: isString,
  namespace: isString,
  space: isString,
  fanout: oneOf(FANOUT_STATES),
})

const isCall = oneOf([...SEND_CALLS, ...CLUSTER_CALLS])
export const isMessageEvent: Check<MessageEvent> = objectOf({
  traceId: isString,
  call: isCall,
  from: isString,
  text: isString,
  rooms: isRooms,
})

const redisTraffic = {
  key: isString,
  channel: isString,
  type: oneOf(REDIS_TRAFFIC_TYPES),
  publishedBy: orNull(isString),
  rooms: isRooms,
  except: isRooms,
  packetType: isString,
  event: orNull(isString),
  traceId: orNull(isString),
  bytes: isNumber,
  subscribed: isBoolean,
}
const traceBase = { at: isNumber, instance: isString, namespace: oneOf(LEARNER_NAMESPACES) }
const tracedSocket = { socketId: isString, label: isString }
const onSocket = { ...traceBase, ...tracedSocket }

export const isTraceEvent: Check<TraceEvent> = /* @__PURE__ */ anyOf(
  objectOf({ ...onSocket, kind: oneOf(['connect']) }),
  objectOf({ ...onSocket, kind: oneOf(['disconnect']), reason: isString }),
  objectOf({ ...onSocket, kind: oneOf(['join', 'leave']), room: isString, rooms: isRooms }),
  objectOf({ ...onSocket, kind: oneOf(['call']), traceId: isString, call: isCall, serverLine: isString, rooms: isRooms, text: isString }),
  objectOf({ ...traceBase, kind: oneOf(['delivery']), traceId: isString, recipients: arrayOf(objectOf(tracedSocket)) }),
  objectOf({ ...onSocket, kind: oneOf(['error']), code: oneOf(ERROR_CODES), message: isString }),
  objectOf({ ...traceBase, kind: oneOf(['redis']), ...redisTraffic }),
  objectOf({ ...traceBase, kind: oneOf(['outage']), down: isBoolean }),
  objectOf({
    at: isNumber,
    instance: isString,
    kind: oneOf(['log']),
    level: oneOf(LOG_LEVELS),
    msg: isString,
    code: optional(isString),
    event: optional(isString),
    namespace: optional(isString),
  }),
)

export const isSandboxDirectory: Check<SandboxDirectory> = objectOf({
  instances: arrayOf(objectOf({ id: isString, port: isNumber })),
  emitter: optional(objectOf({ port: isNumber })),
  attacker: optional(objectOf({ port: isNumber })),
  fanout: oneOf(DIRECTORY_FANOUTS),
})

const trafficFigures = {
  connections: isNumber,
  eventsInPerSecond: isNumber,
  eventsOutPerSecond: isNumber,
  ackP50Ms: /* @__PURE__ */ orNull(isNumber),
  ackP99Ms: /* @__PURE__ */ orNull(isNumber),
  rejectedHandshakes: isNumber,
  rateLimited: isNumber,
  oversizedPackets: isNumber,
}

/** `GET /s/<space>/stats` */
export const isSpaceStats: Check<SpaceStats> = /* @__PURE__ */ objectOf({
  instance: isString,
  space: isString,
  windowSeconds: isNumber,
  ...trafficFigures,
  instanceTotals: /* @__PURE__ */ objectOf(trafficFigures),
})

/** `GET /instructor/whoami` */
export const isWhoamiAnswer: Check<WhoamiAnswer> = /* @__PURE__ */ objectOf({ role: /* @__PURE__ */ oneOf(INSTRUCTOR_ROLES) })

/** `GET /instructor/api/faults` */
export const isFaultsStatus: Check<FaultsStatus> = /* @__PURE__ */ objectOf({
  instances: /* @__PURE__ */ arrayOf(
    /* @__PURE__ */ objectOf({ id: isString, port: isNumber, state: /* @__PURE__ */ oneOf(PROCESS_STATES), restarts: isNumber }),
  ),
  redis: /* @__PURE__ */ objectOf({
    controllable: isBoolean,
    state: /* @__PURE__ */ oneOf(['running', 'stopped', 'external', 'none']),
    reason: /* @__PURE__ */ orNull(isString),
  }),
})

/** `POST /instructor/api/faults` */
export const isFaultAnswer: Check<FaultAnswer> = /* @__PURE__ */ objectOf({
  ok: /* @__PURE__ */ oneOf([true]),
  message: isString,
  status: isFaultsStatus,
})

/** `GET /instructor/cluster` */
export const isInstanceFigures: Check<InstanceFigures> = /* @__PURE__ */ objectOf({
  instance: isString,
  state: /* @__PURE__ */ oneOf(INSTANCE_STATES),
  redis: /* @__PURE__ */ oneOf(REDIS_STATES),
  learnerSockets: isNumber,
  observerSockets: isNumber,
  eventsInPerSecond: /* @__PURE__ */ orNull(isNumber),
  eventsOutPerSecond: /* @__PURE__ */ orNull(isNumber),
  windowSeconds: isNumber,
  rssBytes: isNumber,
  heapUsedBytes: isNumber,
  loopLagP50Ms: isNumber,
  loopLagP99Ms: isNumber,
  uptimeSeconds: isNumber,
})

export const isHealthBody: Check<HealthBody> = objectOf({
  status: oneOf(['ok', 'degraded']),
  instance: isString,
  fanout: oneOf(FANOUT_STATES),
  redis: oneOf(REDIS_STATES),
  sockets: isNumber,
  spaces: isNumber,
  uptimeSeconds: isNumber,
  slotStreams: isNumber,
  observers: isNumber,
  // `resilienceSockets` (optional) is not checked: no page reads it, and every widget chunk carries this check.
})

export const isEmitAnswer: Check<EmitAnswer> = ackOf(objectOf({ ok: isTrue, traceId: isString, line: isString }))

const streamEvent = objectOf({ id: isNumber, sentAt: isNumber, data: isString })
export const isPollAnswer: Check<PollAnswer> = objectOf({
  events: arrayOf(streamEvent),
  cursor: isNumber,
  timedOut: isBoolean,
  gap: isBoolean,
})
export const isWsServerMessage: Check<WsServerMessage> = /* @__PURE__ */ anyOf(
  streamEvent,
  objectOf({ type: oneOf(['ack']), text: isString, receivedAt: isNumber }),
  objectOf({ type: oneOf(['error']), error: isSandboxErrorBody }),
)

const counters = objectOf({
  httpRequests: isNumber,
  bytesIn: isNumber,
  bytesOut: isNumber,
  openConnections: isNumber,
  eventsDelivered: isNumber,
  messagesReceived: isNumber,
})
export const isTransportStats: Check<TransportStats> = objectOf({
  instance: isString,
  space: isString,
  eventsPerSecond: isNumber,
  lastEventId: isNumber,
  transports: objectOf({ 'long-polling': counters, sse: counters, websocket: counters }),
})

const message = objectOf({ line: isString, headers: arrayOf(isStringPair) })
export const isHandshakeCapture: Check<HandshakeCapture> = objectOf({ at: isNumber, request: message, response: message })

const isSecureUser: Check<SecureUser> = objectOf({ id: isString, name: isString, role: oneOf(ROLES) })
export const isTokenAnswer: Check<TokenAnswer> = /* @__PURE__ */ ackOf(
  objectOf({ ok: isTrue, token: isString, kind: oneOf(TOKEN_KINDS), space: isString, user: isSecureUser, expiresAt: isNumber }),
)
export const isSecureHelloEvent: Check<SecureHelloEvent> = /* @__PURE__ */ objectOf({
  instance: isString,
  socketId: isString,
  namespace: isString,
  space: isString,
  fanout: oneOf(FANOUT_STATES),
  user: isSecureUser,
  expiresAt: isNumber,
  maxPacketBytes: isNumber,
  userEventsPerSecond: isNumber,
})
export const isSecureMessageEvent: Check<SecureMessageEvent> = /* @__PURE__ */ objectOf({
  traceId: isString,
  kind: oneOf(['message', 'announce']),
  from: isSecureUser,
  text: isString,
})
export const isAttackReport: Check<AttackReport> = /* @__PURE__ */ objectOf({
  source: oneOf(['rtwb-attacker']),
  attack: oneOf(ATTACKS),
  outcome: oneOf(ATTACK_OUTCOMES),
  detail: isString,
})

// Lesson 5's checks (the resilience lab's client imports these, the other widgets don't).
const isOkAck: Check<OkAck> = /* @__PURE__ */ ackOf(objectOf({ ok: isTrue }))
const isFlakySettings: Check<FlakySettings> = /* @__PURE__ */ objectOf({ dropRate: isNumber, delayMs: isNumber, dedupe: isBoolean })

export const isResilienceHelloEvent: Check<ResilienceHelloEvent> = /* @__PURE__ */ objectOf({
  id: isString,
  instance: isString,
  label: isString,
  namespace: oneOf(RESILIENCE_NAMESPACES),
  space: isString,
  recovered: isBoolean,
  pingInterval: isNumber,
  pingTimeout: isNumber,
  maxDisconnectionDuration: isNumber,
})
export const isLabMessageEvent: Check<LabMessageEvent> = /* @__PURE__ */ objectOf({ seq: isNumber, from: isString, instance: isString })
export const isPositionEvent: Check<PositionEvent> = /* @__PURE__ */ objectOf({
  seq: isNumber,
  x: isNumber,
  y: isNumber,
  volatile: isBoolean,
  sentAt: isNumber,
})
export const isPeerGoneEvent: Check<PeerGoneEvent> = /* @__PURE__ */ objectOf({ label: isString, reason: isString, silentMs: isNumber })

export const isFlakyConfigureAck: Check<FlakyConfigureAck> = /* @__PURE__ */ ackOf(objectOf({ ok: isTrue, settings: isFlakySettings }))
export const isFlakyWorkAck: Check<FlakyWorkAck> = /* @__PURE__ */ ackOf(objectOf({ ok: isTrue, duplicate: isBoolean, runs: isNumber }))
export const isFlakyReportAck: Check<FlakyReportAck> = /* @__PURE__ */ ackOf(
  objectOf({
    ok: isTrue,
    settings: isFlakySettings,
    received: isNumber,
    dropped: isNumber,
    handled: isNumber,
    duplicateEffects: isNumber,
    uniqueIds: isNumber,
    dedupeSize: isNumber,
  }),
)
export const isStormCutAck: Check<StormCutAck> = /* @__PURE__ */ ackOf(objectOf({ ok: isTrue, cut: isNumber }))
export const isWireMeasureAck: Check<WireMeasureAck> = /* @__PURE__ */ ackOf(
  objectOf({
    ok: isTrue,
    size: oneOf(WIRE_SIZES),
    messages: isNumber,
    payloadBytes: isNumber,
    binaryBytes: isNumber,
    deflateThresholdBytes: isNumber,
    results: arrayOf(
      objectOf({ format: oneOf(WIRE_FORMATS), payload: oneOf(WIRE_PAYLOADS), bytesPerMessage: isNumber, cpuMicrosPerMessage: isNumber }),
    ),
  }),
)

/**
 * The check of each lab request's ack.
 *
 * @example
 * RESILIENCE_ACK_CHECKS['storm:cut']({ ok: true, cut: 30 }) // => true
 */
export const RESILIENCE_ACK_CHECKS: { [K in ResilienceRequest]: Check<ResilienceRequests[K]['ack']> } = {
  'lab:send': isOkAck,
  'lab:positions': isOkAck,
  'flaky:configure': isFlakyConfigureAck,
  'flaky:work': isFlakyWorkAck,
  'flaky:report': isFlakyReportAck,
  'flaky:reset': isOkAck,
  'storm:cut': isStormCutAck,
  'wire:measure': isWireMeasureAck,
}
