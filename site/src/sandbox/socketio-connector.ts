/**
 * The real connector, over socket.io-client. Only types are imported statically:
 * `loadSocketIoConnector()` fetches socket.io-client on first use.
 */
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client'
import {
  createEmitter,
  DEFAULT_PORTS,
  instanceBase,
  REQUEST_TIMEOUT_MS,
  type ClientEventMap,
  type ConnectFailure,
  type ObserverEventMap,
  type ResolvedDirectory,
  type SandboxClient,
  type SandboxConnector,
  type SandboxInstance,
  type SandboxObserver,
} from './connector.ts'
import { OBSERVE_NAMESPACE, spaceNamespace, type HealthBody, type SandboxDirectory } from './protocol.ts'

type Io = (uri: string, options?: Partial<ManagerOptions & SocketOptions>) => Socket

export interface SocketIoConnectorOptions {
  location?: { protocol: string; hostname: string; origin: string }
  fetch?: typeof fetch
  /** How long `/sandbox.json` and `/healthz` may take. */
  httpTimeoutMs?: number
}

export async function loadSocketIoConnector(options: SocketIoConnectorOptions = {}): Promise<SandboxConnector> {
  const { io } = await import('socket.io-client')
  return createSocketIoConnector(io, options)
}

function toFailure(err: unknown): ConnectFailure {
  const e = err as { message?: string; data?: { code?: string; message?: string } } | undefined
  const code = e?.data?.code
  return {
    code: (typeof code === 'string' ? code : 'CONNECT_FAILED') as ConnectFailure['code'],
    message: e?.data?.message ?? e?.message ?? 'connection failed',
  }
}

function forward<M extends object>(socket: Socket, names: (keyof M & string)[]) {
  const emitter = createEmitter<M>()
  for (const name of names) {
    socket.on(name as string, (data: unknown) => {
      if (name === 'connect_error') emitter.emit(name, toFailure(data) as M[typeof name])
      else if (name === 'disconnect') emitter.emit(name, { reason: String(data) } as M[typeof name])
      else emitter.emit(name, data as M[typeof name])
    })
  }
  return emitter
}

/** Emits with an ack; resolves to the answer or to a local error ack, never rejects. */
function ask(socket: Socket, up: boolean, who: string, event: string, payload: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<never> {
  return new Promise((resolve) => {
    if (!up) return resolve({ error: { code: 'DISCONNECTED', message: `this ${who} is not connected` } } as never)
    socket.timeout(timeoutMs).emit(event, payload, (err: unknown, answer: never) => {
      resolve(err ? ({ error: { code: 'TIMEOUT', message: `no answer within ${timeoutMs / 1000} s` } } as never) : answer)
    })
  })
}

export function createSocketIoConnector(io: Io, options: SocketIoConnectorOptions = {}): SandboxConnector {
  const loc = options.location ?? window.location
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const httpTimeoutMs = options.httpTimeoutMs ?? 3000

  async function getJson(url: string): Promise<unknown> {
    const res = await doFetch(url, { signal: AbortSignal.timeout(httpTimeoutMs), cache: 'no-store' })
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`)
    return res.json()
  }

  return {
    async directory(): Promise<ResolvedDirectory> {
      try {
        const body = (await getJson(`${loc.origin}/sandbox.json`)) as SandboxDirectory
        const instances = body.instances.map((i) => ({ id: String(i.id), port: i.port, base: instanceBase(i.port, loc) }))
        if (!instances.length) throw new Error('no instances')
        const emitter = typeof body.emitter?.port === 'number' ? { emitter: { port: body.emitter.port, base: instanceBase(body.emitter.port, loc) } } : {}
        return { instances, fanout: body.fanout === 'local-only' ? 'local-only' : 'redis', fallback: false, ...emitter }
      } catch {
        const instances = DEFAULT_PORTS.map((port, n) => ({ id: `i${n + 1}`, port, base: instanceBase(port, loc) }))
        return { instances, fanout: 'redis', fallback: true }
      }
    },

    async health(instance: SandboxInstance): Promise<HealthBody> {
      return (await getJson(`${instance.base}/healthz`)) as HealthBody
    },

    connectClient({ instance, namespace, label, space }): SandboxClient {
      const socket = io(instance.base + spaceNamespace(space, namespace), { forceNew: true, auth: { label } })
      const emitter = forward<ClientEventMap>(socket, ['hello', 'message', 'sandbox:error', 'connect_error', 'disconnect'])
      return {
        label,
        instance,
        namespace,
        on: emitter.on,
        request: (event, payload, timeoutMs) => ask(socket, socket.active, 'client', event, payload, timeoutMs),
        close() {
          emitter.clear()
          socket.disconnect()
        },
      }
    },

    observe({ instance, space }): SandboxObserver {
      const socket = io(instance.base + OBSERVE_NAMESPACE, { forceNew: true, auth: { space } })
      const emitter = forward<ObserverEventMap>(socket, ['hello', 'trace', 'connect_error', 'disconnect'])
      return {
        instance,
        on: emitter.on,
        simulateOutage: (down, timeoutMs) => ask(socket, socket.connected, 'observer', 'redis:simulate-outage', { down }, timeoutMs),
        close() {
          emitter.clear()
          socket.disconnect()
        },
      }
    },
  }
}
