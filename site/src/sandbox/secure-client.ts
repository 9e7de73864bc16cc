/**
 * Lesson 4's client: the token route (`POST /s/<space>/token`), sockets on `/s/<space>/secure`
 * and the monitoring panel's figures (`GET /s/<space>/stats`). Only the security lab imports it,
 * so the other lessons' chunks carry none of it, nor its checks. The real implementation is here
 * (over socket.io-client, with the shared connector's helpers); the in-memory one is the fake
 * cluster's (`fake-secure.ts`, reached through `createFakeConnector()`).
 */
import { io as socketIo } from 'socket.io-client'
import {
  isSandboxErrorBody,
  isSecureHelloEvent,
  isSecureMessageEvent,
  isSpaceStats,
  isTokenAnswer,
  SECURE_ACK_CHECKS,
  spaceNamespace,
  type SecureHelloEvent,
  type SecureMessageEvent,
  type SecureRequest,
  type SpaceStats,
  type TokenAnswer,
  type TokenRequest,
} from '@realtime-workbook/sandbox-server/protocol'
import {
  localErrorAck,
  SandboxClientError,
  type ClientErrorBody,
  type ConnectFailure,
  type LocalErrorAck,
  type RequestMapOf,
  type Requester,
  type SandboxInstance,
  type Unsubscribe,
} from './connector.ts'
import { getJson, relay, requester, type Io, type SocketIoConnectorOptions } from './socketio-connector.ts'

/** Requests a `/secure` client can make (the protocol's `SecureRequest`), with their payload and ack. */
export type SecureRequestMap = RequestMapOf<SecureRequest>

/** Events a `/secure` client emits to the widget. */
export interface SecureEventMap {
  hello: SecureHelloEvent
  message: SecureMessageEvent
  /** The token expired while connected (`TOKEN_EXPIRED`); a `disconnect` follows. */
  'secure:expired': ClientErrorBody
  'sandbox:error': ClientErrorBody
  /** `data.code` is one of the `TOKEN_*` codes when the token was refused. */
  connect_error: ConnectFailure
  disconnect: { reason: string }
}

/** A socket on `/s/<space>/secure`; failures (`FORBIDDEN`, `RATE_LIMITED`, ...) resolve to `{ error }`. */
export interface SecureClient extends Requester<SecureRequestMap> {
  readonly instance: SandboxInstance
  on<K extends keyof SecureEventMap>(event: K, listener: (data: SecureEventMap[K]) => void): Unsubscribe
  close(): void
}

/** What the security lab asks the cluster besides the shared connector's directory, health and observers. */
export interface SecureConnector {
  /**
   * `POST {base}/s/<space>/token`: a token for a name and a role (or, with `kind`, a deliberately
   * bad one for the lab). Never rejects: failures resolve to `{ error }`.
   */
  requestToken(options: {
    instance: SandboxInstance
    space: string
    request: Omit<TokenRequest, 'space'>
  }): Promise<TokenAnswer | LocalErrorAck>
  /** Connects to `/s/<space>/secure` with `token` in the handshake `auth` (never the URL: URLs end up in logs). */
  connectSecure(options: { instance: SandboxInstance; space: string; token: string }): SecureClient
  /** `GET {base}/s/<space>/stats` (the monitoring panel's figures); rejects like the connector's `health()`. */
  spaceStats(options: { instance: SandboxInstance; space: string }): Promise<SpaceStats>
}

/** A `/secure` client over socket.io-client. */
function connectSecure(io: Io, instance: SandboxInstance, space: string, token: string): SecureClient {
  // No reconnection: a refused or expired token would be refused again; ask a new one.
  const socket = io(instance.base + spaceNamespace(space, '/secure'), { forceNew: true, auth: { token }, reconnection: false })
  const { emitter, check } = relay<SecureEventMap>(socket)
  check('hello', isSecureHelloEvent)
  check('message', isSecureMessageEvent)
  check('secure:expired', isSandboxErrorBody)
  check('sandbox:error', isSandboxErrorBody)
  return {
    instance,
    on: emitter.on,
    request: requester<SecureRequestMap>(socket, 'secure client', () => socket.connected, SECURE_ACK_CHECKS),
    close() {
      emitter.clear()
      socket.disconnect()
    },
  }
}

/**
 * The real one (`io`: socket.io-client's, or a test's stand-in; `fetch` and timeouts as the shared connector's).
 *
 * @example
 * const secure = createSecureConnector()
 * const answer = await secure.requestToken({ instance, space: 'k7q2mx', request: { name: 'Ada', role: 'learner' } })
 */
export function createSecureConnector(options: SocketIoConnectorOptions & { io?: Io } = {}): SecureConnector {
  const io = options.io ?? socketIo
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const timeoutMs = options.httpTimeoutMs ?? 3000
  return {
    // The token route answers a refusal with its JSON `{ error }` and a 4xx: an answer like any other.
    requestToken({ instance, space, request }) {
      const url = `${instance.base}/s/${space}/token`
      const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request) }
      return getJson(doFetch, timeoutMs, url, isTokenAnswer, init, true).catch((error: unknown) =>
        error instanceof SandboxClientError
          ? localErrorAck(error.code, error.message)
          : localErrorAck('CONNECT_FAILED', `${url}: ${String(error)}`),
      )
    },
    connectSecure: ({ instance, space, token }) => connectSecure(io, instance, space, token),
    spaceStats: ({ instance, space }) => getJson(doFetch, timeoutMs, `${instance.base}/s/${space}/stats`, isSpaceStats),
  }
}
