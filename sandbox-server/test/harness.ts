/**
 * Test harness: real sandbox instances on ephemeral ports joined through a real Redis, real
 * socket.io-client connections, and (for outage tests) a private `redis-server` on a free port.
 * Every run uses its own adapter key prefix, so the shared Redis is never polluted.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { afterAll, beforeAll } from 'vitest'
import { io as connect, type Socket } from 'socket.io-client'
import { startSandboxServer, type SandboxServer, type StartOptions } from '../src/index.ts'
import { spaceNamespace, type HelloEvent, type LearnerNamespace, type MessageEvent, type TraceEvent } from '../src/protocol/index.ts'

export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

export function uniquePrefix(): string {
  return `rtwb-test-${process.pid}-${randomBytes(3).toString('hex')}`
}

export function randomSpace(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from(randomBytes(6), (byte) => alphabet[byte % alphabet.length]).join('')
}

/** Starts `count` instances sharing one key prefix. */
export async function startCluster(count: number, options: StartOptions = {}): Promise<SandboxServer[]> {
  const keyPrefix = options.keyPrefix ?? uniquePrefix()
  const instances = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      startSandboxServer({
        redisUrl: SHARED_REDIS_URL,
        ...options,
        instanceId: `i${index + 1}`,
        port: 0,
        keyPrefix,
        log: () => {},
      }),
    ),
  )
  return instances
}

export async function stopAll(instances: SandboxServer[], clients: Socket[] = []): Promise<void> {
  for (const client of clients) client.disconnect()
  await Promise.all(instances.map((instance) => instance.close()))
}

export interface TestClient {
  socket: Socket
  hello: HelloEvent
  received: MessageEvent[]
  label: string
}

/** Connects a learner client (playground or cluster namespace) and waits for its `hello`. */
export async function playgroundClient(
  instance: SandboxServer,
  space: string,
  namespace: LearnerNamespace,
  label: string,
): Promise<TestClient> {
  const socket = connect(`${instance.url}${spaceNamespace(space, namespace)}`, {
    forceNew: true,
    transports: ['websocket'],
    auth: { label },
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
  })
  const received: MessageEvent[] = []
  socket.on('message', (message: MessageEvent) => received.push(message))
  const hello = await new Promise<HelloEvent>((resolve, reject) => {
    socket.once('hello', resolve)
    socket.once('connect_error', reject)
  })
  return { socket, hello, received, label }
}

/**
 * Playground clients that a test file opens and closes together.
 *
 * @example
 * const pool = clientPool()
 * const a = await pool.client(instance, space, '/chat', 'A')
 * afterAll(() => stopAll(cluster, pool.sockets()))
 */
export function clientPool(): { client: typeof playgroundClient; sockets: () => Socket[] } {
  const opened: TestClient[] = []
  return {
    client: async (...args) => {
      const created = await playgroundClient(...args)
      opened.push(created)
      return created
    },
    sockets: () => opened.map((c) => c.socket),
  }
}

/**
 * A cluster for a whole test file: started before its tests, stopped after them, with a pool of
 * clients that is closed with it.
 *
 * @example
 * const { at, client } = useCluster(3)
 * it('...', async () => { const a = await client(at(0), space, '/chat', 'A') })
 */
export function useCluster(count: number, options: StartOptions = {}): {
  at: (index: number) => SandboxServer
  all: () => SandboxServer[]
  client: typeof playgroundClient
} {
  let instances: SandboxServer[] = []
  const pool = clientPool()
  beforeAll(async () => {
    instances = await startCluster(count, options)
  })
  afterAll(async () => {
    await stopAll(instances, pool.sockets())
  })
  return {
    at: (index) => {
      const instance = instances[index]
      if (!instance) throw new Error(`no instance ${index} (the cluster has ${instances.length})`)
      return instance
    },
    all: () => instances,
    client: pool.client,
  }
}

/** Connects an observer of `space` to `instance`, collecting its trace. */
export async function observer(instance: SandboxServer, space: string): Promise<{ socket: Socket; trace: TraceEvent[] }> {
  const socket = connect(`${instance.url}/observe`, { forceNew: true, transports: ['websocket'], auth: { space } })
  const trace: TraceEvent[] = []
  socket.on('trace', (event: TraceEvent) => trace.push(event))
  await new Promise<void>((resolve, reject) => {
    socket.once('hello', () => resolve())
    socket.once('connect_error', reject)
  })
  return { socket, trace }
}

export function request<T = unknown>(client: TestClient | Socket, event: string, payload: unknown): Promise<T> {
  const socket = 'socket' in client ? client.socket : client
  return socket.timeout(3_000).emitWithAck(event, payload) as Promise<T>
}

/** Waits until `check` passes (or throws its last error after `timeoutMs`). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

/** Gives in-flight packets time to arrive, to assert that something did NOT happen. */
export function settle(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** A private redis-server on a free loopback port, which a test may stop and restart. */
export class PrivateRedis {
  #process: ChildProcess | null = null
  readonly port: number

  private constructor(port: number) {
    this.port = port
  }

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort())
    await redis.restart()
    return redis
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async restart(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    this.#process = child
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start in 5 s')), 5_000)
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with ${code}`))
      })
    })
  }

  async stop(): Promise<void> {
    const child = this.#process
    if (!child || child.exitCode !== null) return
    this.#process = null
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }
}
