/**
 * The zod schemas the server validates every incoming payload with (server only: zod never
 * reaches a page). They are built from the rules of `./index.ts` (patterns, lengths, messages),
 * and the type checks at the end prove that each schema accepts and yields exactly the protocol
 * type the browser is written against.
 *
 * @module
 */
import { z } from 'zod'
import {
  LABEL_PATTERN,
  LABEL_RULE,
  MIN_TOKEN_TTL_SECONDS,
  ROLES,
  TOKEN_KINDS,
  MAX_EVENTS_PER_SECOND,
  MAX_PAYLOAD_BYTES,
  DEFAULT_PAYLOAD_BYTES,
  MAX_ROOMS_PER_CALL,
  ROOM_NAME_PATTERN,
  ROOM_NAME_RULE,
  SEND_CALLS,
  SOCKET_ID_PATTERN,
  SOCKET_ID_RULE,
  SPACE_CODE_PATTERN,
  SPACE_CODE_RULE,
  TEXT_EMPTY_RULE,
  TEXT_LENGTH_RULE,
  TEXT_MAX_LENGTH,
  TRANSPORTS,
  UPSTREAM_VIAS,
  sendRoomsProblem,
  type CutPayload,
  type DirectPayload,
  type EmitPayload,
  type ObserveAuth,
  type PlaygroundAuth,
  type RoomPayload,
  type SecureAuth,
  type SecureTextPayload,
  type TokenRequest,
  type SendPayload,
  type SimulateOutagePayload,
  type StreamSettings,
  type UpstreamMessage,
  type WsClientMessage,
  FLAKY_MAX_DELAY_MS,
  LAB_SEQ_MAX,
  MESSAGE_ID_PATTERN,
  MESSAGE_ID_RULE,
  POSITIONS_MAX_COUNT,
  POSITIONS_MAX_EVERY_MS,
  POSITIONS_MIN_EVERY_MS,
  WIRE_SIZES,
  type FlakySettings,
  type FlakyWorkPayload,
  type LabSendPayload,
  type PositionsPayload,
  type ResilienceAuth,
  type WireMeasurePayload,
  INSTANCE_ID_PATTERN,
  type FaultAction,
} from './index.ts'
import {
  ANNOUNCEMENT_MAX_LENGTH,
  ANNOUNCEMENT_RULE,
  CLASS_CODE_PATTERN,
  CLASS_CODE_RULE,
  CLASS_WIDGETS,
  MEMBER_ID_PATTERN,
  MEMBER_NAME_MAX_LENGTH,
  type ClassAuth,
  type ClassWidgetsPayload,
} from './classes.ts'

/** A room name a learner may use (see `ROOM_NAME_PATTERN`). */
export const roomNameSchema = z
  .string({ required_error: 'room is required', invalid_type_error: 'room must be a string' })
  .regex(ROOM_NAME_PATTERN, ROOM_NAME_RULE)

const spaceCodeSchema = z.string().regex(SPACE_CODE_PATTERN, SPACE_CODE_RULE)
const textSchema = z.string().min(1, TEXT_EMPTY_RULE).max(TEXT_MAX_LENGTH, TEXT_LENGTH_RULE)

/** `auth` of a playground socket. */
export const playgroundAuthSchema = z.object({ label: z.string().regex(LABEL_PATTERN, LABEL_RULE) }).strict()

/** `auth` of an observer socket on `/observe`. */
export const observeAuthSchema = z.object({ space: spaceCodeSchema }).strict()

/** `room:join` / `room:leave` */
export const roomPayloadSchema = z.object({ room: roomNameSchema }).strict()

/** `send`: the call, its rooms (as many as `callRooms(call)` says) and the text. */
export const sendPayloadSchema = z
  .object({
    call: z.enum(SEND_CALLS, {
      errorMap: () => ({ message: `call must be one of: ${SEND_CALLS.join(', ')}` }),
    }),
    rooms: z.array(roomNameSchema).max(MAX_ROOMS_PER_CALL, `at most ${MAX_ROOMS_PER_CALL} rooms`).default([]),
    text: textSchema,
  })
  .strict()
  .superRefine((value, ctx) => {
    const problem = sendRoomsProblem(value.call, value.rooms.length)
    if (problem) ctx.addIssue({ code: 'custom', path: ['rooms'], message: problem })
  })

/** `cluster:direct` */
export const directPayloadSchema = z.object({ to: z.string().regex(SOCKET_ID_PATTERN, SOCKET_ID_RULE), text: textSchema }).strict()

/** `redis:simulate-outage` (observer) */
export const simulateOutageSchema = z.object({ down: z.boolean() }).strict()

/** `POST /emit` on the emitter process. */
export const emitPayloadSchema = z.object({ space: spaceCodeSchema, text: textSchema, room: roomNameSchema.optional() }).strict()

/** `POST /t/<space>/stream` */
export const streamSettingsSchema = z
  .object({
    eventsPerSecond: z
      .number()
      .min(0, `eventsPerSecond must be 0-${MAX_EVENTS_PER_SECOND}`)
      .max(MAX_EVENTS_PER_SECOND, `eventsPerSecond must be 0-${MAX_EVENTS_PER_SECOND}`),
    payloadBytes: z
      .number()
      .int()
      .min(0)
      .max(MAX_PAYLOAD_BYTES, `payloadBytes must be 0-${MAX_PAYLOAD_BYTES}`)
      .default(DEFAULT_PAYLOAD_BYTES),
  })
  .strict()

/** `POST /t/<space>/messages` */
export const upstreamMessageSchema = z
  .object({
    via: z.enum(UPSTREAM_VIAS, { errorMap: () => ({ message: `via must be ${UPSTREAM_VIAS.map((v) => `"${v}"`).join(' or ')}` }) }),
    text: textSchema,
  })
  .strict()

/** `POST /t/<space>/cut` */
export const cutSchema = z.object({ transport: z.enum(TRANSPORTS) }).strict()

/** What a WebSocket client may send on `/t/<space>/ws`. */
export const wsClientMessageSchema = z.object({ type: z.literal('message'), text: textSchema }).strict()

/** `POST /s/<space>/token` (and `POST /token`, where `space` is required: checked by the route). */
export const tokenRequestSchema = z
  .object({
    name: z.string({ required_error: 'name is required' }).regex(LABEL_PATTERN, LABEL_RULE.replace(/^label/, 'name')),
    role: z.enum(ROLES, { errorMap: () => ({ message: `role must be ${ROLES.map((r) => `"${r}"`).join(' or ')}` }) }),
    ttlSeconds: z
      .number()
      .int()
      .min(MIN_TOKEN_TTL_SECONDS, `ttlSeconds must be a whole number of at least ${MIN_TOKEN_TTL_SECONDS}`)
      .optional(),
    kind: z.enum(TOKEN_KINDS, { errorMap: () => ({ message: `kind must be one of: ${TOKEN_KINDS.join(', ')}` }) }).optional(),
    space: spaceCodeSchema.optional(),
  })
  .strict()

/** `auth` of a `/secure` socket: only its shape (the token itself is verified with jose). */
export const secureAuthSchema = z.object({ token: z.string().min(1) }).strict()

/** `secure:send` / `secure:announce` */
export const secureTextSchema = z.object({ text: textSchema }).strict()

/** Events without a payload (`secure:logout-all`): nothing, or an empty object. */
export const emptyPayloadSchema = z.object({}).strict()

// ---------------------------------------------------------------------------------------------
// Resilience lab (lesson 5)
// ---------------------------------------------------------------------------------------------

/** `auth` of a lab socket: the playground's label, plus what socket.io-client adds to recover a session. */
export const resilienceAuthSchema = playgroundAuthSchema
  .extend({ pid: z.string().max(64).optional(), offset: z.string().max(64).optional() })
  .strict()

/** An integer from 0 to `LAB_SEQ_MAX`. */
const seqSchema = z
  .number({ required_error: 'seq is required', invalid_type_error: 'seq must be a number' })
  .int(`seq must be an integer 0-${LAB_SEQ_MAX}`)
  .min(0, `seq must be an integer 0-${LAB_SEQ_MAX}`)
  .max(LAB_SEQ_MAX, `seq must be an integer 0-${LAB_SEQ_MAX}`)

/** `lab:send` */
export const labSendSchema = z.object({ seq: seqSchema }).strict()

const countRule = `count must be an integer 1-${POSITIONS_MAX_COUNT}`
const everyRule = `everyMs must be an integer ${POSITIONS_MIN_EVERY_MS}-${POSITIONS_MAX_EVERY_MS}`
/** `lab:positions` */
export const positionsSchema = z
  .object({
    count: z.number().int(countRule).min(1, countRule).max(POSITIONS_MAX_COUNT, countRule),
    everyMs: z.number().int(everyRule).min(POSITIONS_MIN_EVERY_MS, everyRule).max(POSITIONS_MAX_EVERY_MS, everyRule),
    volatile: z.boolean({ required_error: 'volatile is required', invalid_type_error: 'volatile must be true or false' }),
  })
  .strict()

const delayRule = `delayMs must be an integer 0-${FLAKY_MAX_DELAY_MS}`
/** `flaky:configure` */
export const flakySettingsSchema = z
  .object({
    dropRate: z.number().min(0, 'dropRate must be 0-1').max(1, 'dropRate must be 0-1'),
    delayMs: z.number().int(delayRule).min(0, delayRule).max(FLAKY_MAX_DELAY_MS, delayRule),
    dedupe: z.boolean({ required_error: 'dedupe is required', invalid_type_error: 'dedupe must be true or false' }),
  })
  .strict()

/** `flaky:work` */
export const flakyWorkSchema = z
  .object({
    messageId: z
      .string({ required_error: 'messageId is required', invalid_type_error: 'messageId must be a string' })
      .regex(MESSAGE_ID_PATTERN, MESSAGE_ID_RULE),
    seq: seqSchema,
  })
  .strict()

/** `wire:measure` */
export const wireMeasureSchema = z
  .object({ size: z.enum(WIRE_SIZES, { errorMap: () => ({ message: `size must be ${WIRE_SIZES.map((s) => `"${s}"`).join(' or ')}` }) }) })
  .strict()

/** `auth` of a `/class` socket: its shape (the code and the name are judged by the handshake, each with its own code). */
export const classAuthSchema = z
  .object({
    code: z.string().max(32),
    name: z.string().max(4 * MEMBER_NAME_MAX_LENGTH),
    member: z.string().regex(MEMBER_ID_PATTERN, 'member must be a random id of 16-32 characters'),
  })
  .strict()

/** `class:widgets` */
export const classWidgetsSchema = z.object({ widgets: z.array(z.enum(CLASS_WIDGETS)).max(CLASS_WIDGETS.length) }).strict()

/** `POST /instructor/classes/:code/announce` */
export const announceSchema = z
  .object({ text: z.string().trim().min(1, ANNOUNCEMENT_RULE).max(ANNOUNCEMENT_MAX_LENGTH, ANNOUNCEMENT_RULE) })
  .strict()

/** `POST /instructor/classes/:code/lock` */
export const lockSchema = z.object({ locked: z.boolean() }).strict()

/** A join code in a route's path. */
export const classCodeSchema = z.string().regex(CLASS_CODE_PATTERN, CLASS_CODE_RULE)

// ---------------------------------------------------------------------------------------------
// Type-level proof that the schemas and the protocol types agree (no runtime code).
// ---------------------------------------------------------------------------------------------

/** `true` only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
/** Fails to compile unless every entry is `true`. */
type AllTrue<T extends true[]> = T
/** `T` with its defaulted fields present, as the server sees a payload after parsing. */
type Parsed<T, K extends keyof T> = { [P in keyof T]-?: P extends K ? Exclude<T[P], undefined> : T[P] }
/** What the client sends (schema input) and what the handler gets (schema output). */
type Agrees<S extends z.ZodTypeAny, Wire, Handled = Wire> = [Equal<z.input<S>, Wire>, Equal<z.output<S>, Handled>]

/** `POST /instructor/api/faults` (the launcher's site server). */
export const faultActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['kill', 'drain']), instance: z.string().regex(INSTANCE_ID_PATTERN, 'instance: i1 to i8') }).strict(),
  z.object({ action: z.enum(['redis-stop', 'redis-start']) }).strict(),
])

export type SchemasMatchProtocol = AllTrue<
  [
    ...Agrees<typeof playgroundAuthSchema, PlaygroundAuth>,
    ...Agrees<typeof observeAuthSchema, ObserveAuth>,
    ...Agrees<typeof roomPayloadSchema, RoomPayload>,
    ...Agrees<typeof sendPayloadSchema, SendPayload, Parsed<SendPayload, 'rooms'>>,
    ...Agrees<typeof directPayloadSchema, DirectPayload>,
    ...Agrees<typeof simulateOutageSchema, SimulateOutagePayload>,
    ...Agrees<typeof emitPayloadSchema, EmitPayload>,
    ...Agrees<typeof streamSettingsSchema, StreamSettings, Parsed<StreamSettings, 'payloadBytes'>>,
    ...Agrees<typeof upstreamMessageSchema, UpstreamMessage>,
    ...Agrees<typeof cutSchema, CutPayload>,
    ...Agrees<typeof wsClientMessageSchema, WsClientMessage>,
    ...Agrees<typeof tokenRequestSchema, TokenRequest>,
    ...Agrees<typeof secureAuthSchema, SecureAuth>,
    ...Agrees<typeof secureTextSchema, SecureTextPayload>,
    ...Agrees<typeof resilienceAuthSchema, ResilienceAuth>,
    ...Agrees<typeof labSendSchema, LabSendPayload>,
    ...Agrees<typeof positionsSchema, PositionsPayload>,
    ...Agrees<typeof flakySettingsSchema, FlakySettings>,
    ...Agrees<typeof flakyWorkSchema, FlakyWorkPayload>,
    ...Agrees<typeof wireMeasureSchema, WireMeasurePayload>,
    ...Agrees<typeof faultActionSchema, FaultAction>,
    ...Agrees<typeof classAuthSchema, ClassAuth>,
    ...Agrees<typeof classWidgetsSchema, ClassWidgetsPayload>,
  ]
>
