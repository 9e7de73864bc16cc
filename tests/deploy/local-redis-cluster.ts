/**
 * A throwaway Redis Cluster for a test: three `redis-server --cluster-enabled yes` masters on
 * free loopback ports in a temporary directory (no RDB, no AOF), joined with
 * `redis-cli --cluster create`. A node can be killed and started again on the same port with its
 * own `nodes.conf`, so it comes back with the same id and slots. Every process it started is
 * stopped by {@link LocalRedisCluster.stop}.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { eventually, freePort, redisReady } from '../../sandbox-server/test/harness.ts'

const run = promisify(execFile)

/** How fast a dead node is declared failing (Redis's default is 15 s: too slow for a test). */
const NODE_TIMEOUT_MS = 2_000

interface Node {
  port: number
  busPort: number
  process: ChildProcess | null
}

/**
 * @example
 * const cluster = await LocalRedisCluster.start(3)
 * try { console.log(cluster.seeds) } finally { await cluster.stop() }
 */
export class LocalRedisCluster {
  readonly #dir: string
  readonly #nodes: Node[]

  private constructor(dir: string, nodes: Node[]) {
    this.#dir = dir
    this.#nodes = nodes
  }

  /** Starts `count` masters and creates the cluster (slots spread evenly, no replicas). */
  static async start(count: number): Promise<LocalRedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'rtwb-redis-cluster-'))
    const nodes: Node[] = []
    // The bus port is given explicitly: the default (port + 10000) may be taken or past 65535.
    for (let index = 0; index < count; index++) nodes.push({ port: await freePort(), busPort: await freePort(), process: null })
    const cluster = new LocalRedisCluster(dir, nodes)
    try {
      for (const node of nodes) await cluster.#launch(node)
      await run('redis-cli', ['--cluster', 'create', ...cluster.seeds, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 20_000 })
      await cluster.waitHealthy()
    } catch (error) {
      await cluster.stop()
      throw error
    }
    return cluster
  }

  /** `127.0.0.1:port` of every node. */
  get seeds(): string[] {
    return this.#nodes.map((node) => `127.0.0.1:${node.port}`)
  }

  /** The port of the master that owns `channel`'s hash slot (CLUSTER KEYSLOT, CLUSTER SLOTS). */
  async ownerOf(channel: string): Promise<{ port: number; slot: number }> {
    return this.#withNode(this.#nodes.find((node) => node.process) ?? this.#nodes[0], async (redis) => {
      const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', channel))
      const ranges: unknown = await redis.call('CLUSTER', 'SLOTS')
      for (const range of Array.isArray(ranges) ? ranges : []) {
        if (!Array.isArray(range)) continue
        const [from, to, master]: unknown[] = range
        const port: unknown = Array.isArray(master) ? master[1] : undefined
        if (Number(from) <= slot && slot <= Number(to) && typeof port === 'number') return { port, slot }
      }
      throw new Error(`no master owns slot ${slot}`)
    })
  }

  /** Channels with sharded subscribers on the node at `port` (PUBSUB SHARDCHANNELS). */
  async shardChannels(port: number, pattern: string): Promise<string[]> {
    return this.#withNode(this.#node(port), async (redis) => {
      const channels: unknown = await redis.call('PUBSUB', 'SHARDCHANNELS', pattern)
      return Array.isArray(channels) ? channels.map(String) : []
    })
  }

  /** Kills the node at `port` (SIGKILL: a crash, nothing flushed). */
  async kill(port: number): Promise<void> {
    const node = this.#node(port)
    const child = node.process
    node.process = null
    if (!child || child.exitCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }

  /** Starts the node at `port` again, with its `nodes.conf` (same id, same slots). */
  async revive(port: number): Promise<void> {
    await this.#launch(this.#node(port))
  }

  /** Resolves once every node reports `cluster_state:ok`. */
  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    await this.waitState('ok', timeoutMs)
  }

  /**
   * Resolves once every running node reports `cluster_state:<state>` (`fail`: the others have
   * declared a dead master failing, after the node timeout, and refuse its slots' commands).
   */
  async waitState(state: 'ok' | 'fail', timeoutMs = 20_000): Promise<void> {
    await eventually(
      async () => {
        for (const node of this.#nodes.filter((candidate) => candidate.process)) {
          const info = await this.#withNode(node, (redis) => redis.call('CLUSTER', 'INFO'))
          if (!String(info).includes(`cluster_state:${state}`)) throw new Error(`node ${node.port}: cluster not ${state} yet`)
        }
      },
      timeoutMs,
      200,
    )
  }

  /** Stops every node and deletes the directory. */
  async stop(): Promise<void> {
    for (const node of this.#nodes) await this.kill(node.port)
    await rm(this.#dir, { recursive: true, force: true })
  }

  #node(port: number): Node {
    const node = this.#nodes.find((candidate) => candidate.port === port)
    if (!node) throw new Error(`no node on port ${port}`)
    return node
  }

  async #withNode<T>(node: Node | undefined, use: (redis: Redis) => Promise<T>): Promise<T> {
    if (!node) throw new Error('no node')
    const redis = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    redis.on('error', () => {})
    try {
      await redis.connect()
      return await use(redis)
    } finally {
      redis.disconnect()
    }
  }

  async #launch(node: Node): Promise<void> {
    const args = [
      ['--port', String(node.port)],
      ['--cluster-port', String(node.busPort)],
      ['--bind', '127.0.0.1'],
      ['--protected-mode', 'yes'],
      ['--cluster-enabled', 'yes'],
      ['--cluster-config-file', `nodes-${node.port}.conf`],
      ['--cluster-node-timeout', String(NODE_TIMEOUT_MS)],
      ['--dir', this.#dir],
      ['--save', ''],
      ['--appendonly', 'no'],
    ].flat()
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    node.process = child
    await redisReady(child, `redis-server on ${node.port}`)
  }
}
