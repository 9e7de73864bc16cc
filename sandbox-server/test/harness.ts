/**
 * Test harness: real sandbox instances on ephemeral ports joined through a real Redis, real
 * socket.io-client connections, and (for outage tests) a private `redis-server` on a free port.
 * Every run uses its own adapter key prefix, so the shared Redis is never polluted.
 * Nothing here sleeps for a fixed time: tests wait on a condition (`eventually`) or, to assert that
 * something did NOT arrive, on a later message that must arrive (`deliveryBarrier`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
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
  /** Every message received, except delivery barriers. */
  received: MessageEvent[]
  /** Texts of the delivery barriers received. */
  barriers: Set<string>
  label: string
}

/** Barrier messages carry this prefix; clients keep them out of `received`. */
const BARRIER_PREFIX = 'rtwb-barrier-'

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
  const barriers = new Set<string>()
  socket.on('message', (message: MessageEvent) => {
    if (message.text.startsWith(BARRIER_PREFIX)) barriers.add(message.text)
    else received.push(message)
  })
  const hello = await new Promise<HelloEvent>((resolve, reject) => {
    socket.once('hello', resolve)
    socket.once('connect_error', reject)
  })
  return { socket, hello, received, barriers, label }
}

/**
 * A delivery barrier, to assert that something did NOT arrive without sleeping: `sender` sends an
 * `io.emit` in its space and namespace after the message under test, and this resolves once every
 * one of `receivers` got it. A message sent earlier on the same path would have arrived first (one
 * socket delivers in order; an instance publishes on one Redis connection and Redis forwards in
 * order), so whatever is missing by then is not coming. Resolves to the barrier's send ack.
 *
 * @example
 * await request(a, 'send', { call: 'socket.to(room).emit', rooms: ['paris'], text: 'hi' })
 * await deliveryBarrier(a, [a, c])
 * expect(c.received).toEqual([])
 */
export async function deliveryBarrier(sender: TestClient, receivers: TestClient[]): Promise<{ traceId: string }> {
  const text = `${BARRIER_PREFIX}${randomBytes(4).toString('hex')}`
  const ack = await request<{ ok: true; traceId: string }>(sender, 'send', { call: 'io.emit', text })
  await eventually(() => {
    const waiting = receivers.filter((receiver) => !receiver.barriers.has(text)).map((receiver) => receiver.label)
    if (waiting.length > 0) throw new Error(`barrier ${text} has not reached ${waiting.join(', ')}`)
  })
  return ack
}

/**
 * Playground clients that a test file opens and closes together.
 *
 * @example
 * const pool = clientPool()
 * const a = await pool.client(instance, space, '/chat', 'A')
 * afterAll(() => stopAll(cluster, pool.sockets()))
 */
function clientPool(): { client: typeof playgroundClient; sockets: () => Socket[] } {
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
export function useCluster(
  count: number,
  options: StartOptions = {},
): {
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

import { eventually } from './eventually.ts'
export { eventually }

/**
 * Runs `burst` inside ONE rate-limit window of the shared Redis, however slowly a loaded machine
 * runs it: a one-second window can close halfway through a burst and let a second budget in.
 * rate-limiter-flexible's Redis store opens a window with `SET key 0 EX <duration> NX`, then counts
 * in it, so a key set first, with a long TTL, holds the window open. `consumed` is the count the
 * limiter left in that key: it proves `key` is the limiter's own.
 *
 * @example
 * const { result, consumed } = await inOneRateWindow(`${prefix}:rl:admin-ui:addr:127.0.0.1`, burst)
 */
export async function inOneRateWindow<T>(key: string, burst: () => Promise<T>): Promise<{ result: T; consumed: number }> {
  const redis = new Redis(SHARED_REDIS_URL)
  try {
    await redis.set(key, 0, 'PX', 60_000)
    const result = await burst()
    const consumed = Number(await redis.get(key))
    await redis.del(key)
    return { result, consumed }
  } finally {
    redis.disconnect()
  }
}

/**
 * A loopback port nothing listens on right now. Only for what must be told a port number before it
 * starts and cannot report the one it got: a `redis-server` (`--port 0` turns TCP off) that a test
 * restarts on the same URL, or a Redis URL at which nothing may answer. Servers of our own listen
 * on port 0 instead.
 *
 * @example
 * const url = `redis://127.0.0.1:${await freePort()}` // nothing answers there
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port was assigned'))))
    })
  })
}

/**
 * Resolves once a `redis-server` child prints that it accepts connections; rejects if it exits
 * first or takes over 5 s.
 *
 * @example
 * await redisReady(spawn('redis-server', ['--port', '7000'], { stdio: ['ignore', 'pipe', 'pipe'] }), 'node 7000')
 */
export function redisReady(child: ChildProcess, name: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 5 s`)), 5_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited with ${code}`))
    })
  })
}

/**
 * A private redis-server on a free loopback port, which a test may stop and restart. It takes a
 * TCP port picked with `freePort()`: `--port 0` would turn TCP off, and instances must find it at
 * the same `redis://` URL after a restart.
 */
export class PrivateRedis {
  #process: ChildProcess | null = null
  readonly port: number
  readonly #args: readonly string[]

  private constructor(port: number, args: readonly string[]) {
    this.port = port
    this.#args = args
  }

  /**
   * Starts it without persistence; `args` add to (and, being later, override) the defaults, e.g.
   * `['--appendonly', 'yes', '--dir', dir]` for a stream that must survive a restart.
   */
  static async start(args: readonly string[] = []): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), args)
    await redis.restart()
    return redis
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async restart(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', ...this.#args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    this.#process = child
    await redisReady(child, `redis-server on ${this.port}`)
  }

  /** Stops it: SIGKILL (a crash) by default; SIGTERM is Redis's own shutdown (the AOF is flushed). */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.#process
    if (!child || child.exitCode !== null) return
    this.#process = null
    await new Promise<void>((resolve) => {
      // A shutdown that hangs still ends: SIGKILL after 10 s.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      child.kill(signal)
    })
  }
}
