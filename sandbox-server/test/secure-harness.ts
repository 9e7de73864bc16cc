/**
 * Helpers for the `/secure` tests: ask an instance's token route for a token, connect a secure
 * client with it (the token in `auth`, never the URL), or collect the handshake's refusal.
 */
import { randomBytes } from 'node:crypto'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, beforeAll } from 'vitest'
import { startSandboxServer, type SandboxServer, type StartOptions } from '../src/index.ts'
import { SHARED_REDIS_URL, stopAll, uniquePrefix } from './harness.ts'
import {
  isSecureHelloEvent,
  isTokenAnswer,
  spaceNamespace,
  type SecureHelloEvent,
  type SecureMessageEvent,
  type TokenRequest,
} from '../src/protocol/index.ts'

/** One key for a whole test cluster: any instance must verify any instance's token. */
export const TEST_SECRET = randomBytes(32).toString('base64url')

/** `POST /s/<space>/token` with a JSON body; the raw response (status and JSON). */
export async function postToken(
  instance: SandboxServer,
  space: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${instance.url}/s/${space}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: await response.json() }
}

/** A token of `kind` (valid by default) for `name` and `role`. */
export async function tokenFor(instance: SandboxServer, space: string, request: TokenRequest): Promise<{ token: string; userId: string }> {
  const { status, json } = await postToken(instance, space, request)
  if (status !== 200 || !isTokenAnswer(json) || 'error' in json) throw new Error(`token route answered ${status}: ${JSON.stringify(json)}`)
  return { token: json.token, userId: json.user.id }
}

export interface SecureClient {
  socket: Socket
  hello: SecureHelloEvent
  received: SecureMessageEvent[]
}

function open(instance: SandboxServer, space: string, auth: Record<string, unknown>): Socket {
  return connect(`${instance.url}${spaceNamespace(space, '/secure')}`, {
    forceNew: true,
    transports: ['websocket'],
    auth,
    reconnection: false,
  })
}

/** Connects to `/secure` with `token` and waits for the hello. */
export async function secureClient(instance: SandboxServer, space: string, token: string): Promise<SecureClient> {
  const socket = open(instance, space, { token })
  const received: SecureMessageEvent[] = []
  socket.on('message', (message: SecureMessageEvent) => received.push(message))
  const hello = await new Promise<unknown>((resolve, reject) => {
    socket.once('hello', resolve)
    socket.once('connect_error', reject)
  })
  if (!isSecureHelloEvent(hello)) throw new Error(`unexpected hello ${JSON.stringify(hello)}`)
  return { socket, hello, received }
}

/** The `connect_error` code of a handshake with `auth` (throws if it connects). */
export async function refusalCode(instance: SandboxServer, space: string, auth: Record<string, unknown>): Promise<unknown> {
  const socket = open(instance, space, auth)
  try {
    return await new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('the handshake was accepted')))
      socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve(error.data?.code))
    })
  } finally {
    socket.disconnect()
  }
}

/**
 * A cluster sharing {@link TEST_SECRET}, started before a file's tests and stopped after them,
 * whose log lines are kept (`logs`) so tests can check what an instance wrote.
 */
export function useSecureCluster(
  count: number,
  options: StartOptions = {},
): { at: (index: number) => SandboxServer; logs: string[]; track: (socket: Socket) => Socket } {
  let instances: SandboxServer[] = []
  const logs: string[] = []
  const sockets: Socket[] = []
  const keyPrefix = uniquePrefix()
  beforeAll(async () => {
    instances = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        startSandboxServer({
          redisUrl: SHARED_REDIS_URL,
          tokenSecret: TEST_SECRET,
          ...options,
          instanceId: `i${index + 1}`,
          port: 0,
          keyPrefix,
          log: (line) => logs.push(line),
        }),
      ),
    )
  })
  afterAll(() => stopAll(instances, sockets))
  return {
    at: (index) => {
      const instance = instances[index]
      if (!instance) throw new Error(`no instance ${index}`)
      return instance
    },
    logs,
    track: (socket) => (sockets.push(socket), socket),
  }
}
