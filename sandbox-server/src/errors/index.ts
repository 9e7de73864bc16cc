/**
 * The sandbox's one error class. Everything a client did wrong becomes a `SandboxError` with a
 * stable code from the protocol; everything else is reported as `INTERNAL` and logged.
 *
 * @module
 */
import type { ErrorAck, ErrorCode, SandboxErrorBody } from '../protocol/index.ts'

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
