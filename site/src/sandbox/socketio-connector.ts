/**
 * The real connector, over socket.io-client (reached only from the widgets' lazy chunks, so a
 * page loads it when a widget scrolls into view, not before). Every ack, server event,
 * `/sandbox.json` and `/healthz` answer is checked once here, with the protocol's checks.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'
import {
  PLAYGROUND_ACK_CHECKS,
  isErrorAnswer,
  explain,
  isHealthBody,
  isHelloEvent,
  isMessageEvent,
  isSandboxDirectory,
  isSandboxErrorBody,
  isSimulateOutageAck,
  isTraceEvent,
  OBSERVE_NAMESPACE,
  spaceNamespace,
  type Check,
  type HealthBody,
  type SandboxRequest,
} from '@realtime-workbook/sandbox-server/protocol'
import {
  createEmitter,
  DEFAULT_PORTS,
  instanceBase,
  localErrorAck,
  REQUEST_TIMEOUT_MS,
  SandboxClientError,
  type ClientErrorBody,
  type ClientEventMap,
  type ClientRequestMap,
  type ConnectFailure,
  type LocalErrorAck,
  type ObserverEventMap,
  type ResolvedDirectory,
  type SandboxClient,
  type SandboxConnector,
  type SandboxInstance,
  type SessionConnector,
  type SandboxObserver,
} from './connector.ts'

/** socket.io-client's `io()` (tests pass a stand-in). */
export type Io = (uri: string, options?: Partial<ManagerOptions & SocketOptions>) => Socket

export interface SocketIoConnectorOptions {
  location?: { protocol: string; hostname: string; origin: string }
  fetch?: typeof fetch
  /** How long `/sandbox.json` and `/healthz` may take. */
  httpTimeoutMs?: number
}

/**
 * The real connector. socket.io-client is imported statically: this module is only reached from a
 * widget's lazy chunk, so the page still loads none of it before the widget scrolls into view, and
 * it arrives in that one chunk instead of a second round trip (see widget-chunks.mjs).
 *
 * @example
 * const connector = await loadSocketIoConnector()
 */
export async function loadSocketIoConnector(options: SocketIoConnectorOptions = {}): Promise<SandboxConnector> {
  return createSocketIoConnector(io, options)
}

/**
 * The session's part only, for a widget that opens no playground client (see `SessionConnector`).
 *
 * @example
 * createSession({ connector: () => loadSessionConnector(), ... })
 */
export async function loadSessionConnector(options: SocketIoConnectorOptions = {}): Promise<SessionConnector> {
  return createSessionConnector(io, options)
}

/** `connect_error` as widgets see it: the server's `{ code, message }` when it sent one. */
function toFailure(err: unknown): ConnectFailure {
  const data: unknown = typeof err === 'object' && err !== null && 'data' in err ? err.data : undefined
  if (isSandboxErrorBody(data)) return data
  return { code: 'CONNECT_FAILED', message: err instanceof Error ? err.message : 'connection failed' }
}

/** What every socket reports whatever its namespace: failed connections and disconnections. */
interface ConnectionEvents {
  connect_error: ConnectFailure
  disconnect: { reason: string }
  'sandbox:error': ClientErrorBody
}

/**
 * Typed listeners for a socket's events. Server events are relayed only once `check` passed;
 * a malformed one becomes a local `sandbox:error` with code `BAD_ANSWER`.
 *
 * @example
 * const { emitter, check } = relay<ObserverEventMap>(socket)
 * check('trace', isTraceEvent)
 */
export function relay<M extends ConnectionEvents>(socket: Socket) {
  const emitter = createEmitter<M>()
  socket.on('connect_error', (err: unknown) => emitter.emit('connect_error', toFailure(err)))
  socket.on('disconnect', (reason: unknown) => emitter.emit('disconnect', { reason: String(reason) }))
  return {
    emitter,
    check<K extends keyof M & string>(event: K, check: Check<M[K]>): void {
      const name: string = event // socket.io-client's typings want a plain event name here
      socket.on(name, (data: unknown) => {
        if (check(data)) emitter.emit(event, data)
        else emitter.emit('sandbox:error', { code: 'BAD_ANSWER', message: explain(check, data, event) })
      })
    },
  }
}

/** Emits with an ack; resolves to the checked answer or to a local error ack, never rejects. */
function ask<T>(
  socket: Socket,
  up: boolean,
  who: string,
  event: string,
  payload: unknown,
  check: Check<T>,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<T | LocalErrorAck> {
  return new Promise((resolve) => {
    if (!up) return resolve(localErrorAck('DISCONNECTED', `this ${who} is not connected`))
    socket.timeout(timeoutMs).emit(event, payload, (err: unknown, answer: unknown) => {
      if (err) resolve(localErrorAck('TIMEOUT', `no answer within ${timeoutMs / 1000} s`))
      else resolve(check(answer) ? answer : localErrorAck('BAD_ANSWER', explain(check, answer, `${event} answer`)))
    })
  })
}

/**
 * Fetches JSON (`init`: a POST's method, headers and body) and checks it; rejects with the
 * network's error, or a `SandboxClientError` on HTTP errors (unless `anyStatus`: a refusal's
 * JSON body is an answer too) and malformed answers.
 *
 * @example
 * const health = await getJson(fetch, 3000, 'http://localhost:4001/healthz', isHealthBody)
 */
export async function getJson<T>(
  doFetch: typeof fetch,
  timeoutMs: number,
  url: string,
  check: Check<T>,
  init?: RequestInit,
  anyStatus = false,
): Promise<T> {
  const res = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' })
  if (!res.ok && !anyStatus) throw new SandboxClientError('CONNECT_FAILED', `${url}: HTTP ${res.status}`)
  const body: unknown = await res.json().catch(() => undefined)
  if (!check(body)) throw new SandboxClientError('BAD_ANSWER', explain(check, body, url))
  return body
}

/**
 * A client's `request()`: emits with an ack and checks the answer with `checks`, the protocol's
 * table of that client's requests. Typed callers only name listed requests; an unlisted name (a
 * test probing the server) can only be answered with an error ack.
 *
 * @example
 * const request = requester<ClientRequestMap>(socket, 'client', () => socket.active, PLAYGROUND_ACK_CHECKS)
 */
export function requester<M extends { [K in keyof M]: [unknown, unknown] }>(
  socket: Socket,
  who: string,
  isUp: () => boolean,
  checks: { [K in keyof M & SandboxRequest]: Check<M[K][1]> },
) {
  return <K extends keyof M & SandboxRequest>(event: K, payload: M[K][0], timeoutMs?: number): Promise<M[K][1] | LocalErrorAck> => {
    const check: Check<M[K][1]> = Object.hasOwn(checks, event) ? checks[event] : isErrorAnswer
    return ask(socket, isUp(), who, event, payload, check, timeoutMs)
  }
}

/** A playground client on `/s/<space>/<namespace>`, its events and acks checked. */
function connectClient(io: Io, { instance, namespace, label, space }: Parameters<SandboxConnector['connectClient']>[0]): SandboxClient {
  const socket = io(instance.base + spaceNamespace(space, namespace), { forceNew: true, auth: { label } })
  const { emitter, check } = relay<ClientEventMap>(socket)
  check('hello', isHelloEvent)
  check('message', isMessageEvent)
  check('sandbox:error', isSandboxErrorBody)
  return {
    label,
    instance,
    namespace,
    on: emitter.on,
    request: requester<ClientRequestMap>(socket, 'client', () => socket.active, PLAYGROUND_ACK_CHECKS),
    close() {
      emitter.clear()
      socket.disconnect()
    },
  }
}

/**
 * The connector over a given `io` (tests pass a stand-in; pages use `loadSocketIoConnector()`).
 *
 * @example
 * const connector = createSocketIoConnector(io, { location: window.location })
 */
export function createSocketIoConnector(io: Io, options: SocketIoConnectorOptions = {}): SandboxConnector {
  return { ...createSessionConnector(io, options), connectClient: (client) => connectClient(io, client) }
}

/**
 * The session's part of the connector only (directory, health, observers): for widgets that open
 * no playground client, whose chunk then carries no `connectClient` (see `loadSessionConnector`).
 *
 * @example
 * const connector = createSessionConnector(io, { location: window.location })
 */
export function createSessionConnector(io: Io, options: SocketIoConnectorOptions = {}): SessionConnector {
  const loc = options.location ?? window.location
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const httpTimeoutMs = options.httpTimeoutMs ?? 3000

  const get = <T>(url: string, check: Check<T>): Promise<T> => getJson(doFetch, httpTimeoutMs, url, check)

  return {
    async directory(): Promise<ResolvedDirectory> {
      try {
        const body = await get(`${loc.origin}/sandbox.json`, isSandboxDirectory)
        const instances = body.instances.map(({ id, port }) => ({ id, port, base: instanceBase(port, loc) }))
        if (!instances.length) throw new SandboxClientError('BAD_ANSWER', '/sandbox.json lists no instances')
        const emitter = body.emitter ? { emitter: { port: body.emitter.port, base: instanceBase(body.emitter.port, loc) } } : {}
        const attacker = body.attacker ? { attacker: { port: body.attacker.port, base: instanceBase(body.attacker.port, loc) } } : {}
        return { instances, fanout: body.fanout, fallback: false, ...emitter, ...attacker }
      } catch (error) {
        const instances = DEFAULT_PORTS.map((port, n) => ({ id: `i${n + 1}`, port, base: instanceBase(port, loc) }))
        return { instances, fanout: 'redis', fallback: true, fallbackReason: String(error) }
      }
    },

    health: (instance: SandboxInstance): Promise<HealthBody> => get(`${instance.base}/healthz`, isHealthBody),

    observe({ instance, space }): SandboxObserver {
      const socket = io(instance.base + OBSERVE_NAMESPACE, { forceNew: true, auth: { space } })
      const { emitter, check } = relay<ObserverEventMap>(socket)
      check('hello', isHelloEvent)
      check('trace', isTraceEvent)
      return {
        instance,
        on: emitter.on,
        simulateOutage: (down, timeoutMs) =>
          ask(socket, socket.connected, 'observer', 'redis:simulate-outage', { down }, isSimulateOutageAck, timeoutMs),
        close() {
          emitter.clear()
          socket.disconnect()
        },
      }
    },
  }
}
