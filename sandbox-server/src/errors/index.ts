/**
 * The sandbox's one error class. Everything a client did wrong becomes a `SandboxError` with a
 * stable code from the protocol; everything else is reported as `INTERNAL` and logged.
 *
 * @module
 */
import type { z } from 'zod'
import type { ErrorAck, ErrorCode, SandboxErrorBody } from '../protocol/index.ts'

/** HTTP statuses of the codes that are not a plain 400. */
const HTTP_STATUS: Partial<Record<ErrorCode, 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503>> = {
  INSTRUCTOR_UNAUTHORIZED: 401,
  CLASS_NOT_FOUND: 404,
  CLASS_LIMIT: 409,
  FORBIDDEN_ORIGIN: 403,
  FAULT_UNAVAILABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_CONNECTIONS: 429,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SPACE_FULL: 503,
  REDIS_UNAVAILABLE: 503,
}

/**
 * An error the sandbox reports to a client with a stable code.
 *
 * @example
 * throw new SandboxError('ROOM_LIMIT', 'a socket may sit in at most 8 rooms')
 */
export class SandboxError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'SandboxError'
    this.code = code
  }

  /** The `{ code, message }` body sent on the wire. */
  toBody(): SandboxErrorBody {
    return { code: this.code, message: this.message }
  }

  /** The HTTP status an HTTP route answers this error with (400 unless the code says otherwise). */
  get httpStatus(): 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503 {
    return HTTP_STATUS[this.code] ?? 400
  }

  /** The error as an ack answer: `{ error: { code, message } }`. */
  toAck(): ErrorAck {
    return { error: this.toBody() }
  }

  /**
   * The same error as Socket.IO middleware must pass it to `next()`, so the client's
   * `connect_error` carries `err.data.code`.
   */
  toConnectError(): Error & { data: SandboxErrorBody } {
    return Object.assign(new Error(this.message), { data: this.toBody() })
  }

  /** Wraps anything thrown into a `SandboxError` (unknown errors become `INTERNAL`). */
  static from(error: unknown): SandboxError {
    if (error instanceof SandboxError) return error
    return new SandboxError('INTERNAL', 'the server failed to handle this event; it is still running')
  }
}

/**
 * Parses untrusted input with `schema`, or throws `INVALID_PAYLOAD` naming the first wrong field
 * (`where` is the field path's root when the whole value is wrong, e.g. `payload` or `body`).
 *
 * @example
 * parseOrThrow(roomPayloadSchema, { room: 'Paris!' }, 'room:join: ', 'payload')
 * // throws SandboxError INVALID_PAYLOAD "room:join: room: room must be 1-16 characters ..."
 */
export function parseOrThrow<S extends z.ZodTypeAny>(schema: S, value: unknown, prefix = '', where = 'payload'): z.output<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : where
  throw new SandboxError('INVALID_PAYLOAD', `${prefix}${path}: ${issue?.message ?? 'invalid'}`)
}
