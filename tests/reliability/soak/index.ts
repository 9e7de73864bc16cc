/**
 * The soak's machinery: its own `redis-server` (append-only file on, so a stream survives a
 * restart), two real sandbox-server processes joined through it, and client processes
 * (driver.ts) holding groups of lab sockets (one space each) spread over the two instances. A phase sends for a bounded
 * time, optionally restarts Redis in its middle, and sums the drivers' exact counts.
 *
 * Knobs (environment), the figures by default: SOAK_SOCKETS (1000, a multiple of the
 * group), SOAK_SECONDS (60 per phase), SOAK_RATE (10 messages RECEIVED per socket per second),
 * SOAK_GROUP (10 sockets per space: each sends SOAK_RATE / 9 per second, so 1,000 sockets make
 * ~1,100 `lab:send` and 10,000 deliveries per second; SOAK_GROUP=2 gives pairs, where every
 * socket also sends SOAK_RATE per second: 10,000 events/s into two instances, more than one core
 * each handles here), SOAK_DRIVERS (2 client processes), SOAK_STREAMS_MAX_LEN (the stream's MAXLEN, 200000: 20 s of the default traffic, so
 * a reader that falls behind on a busy machine is not overtaken by trimming), SOAK_STREAMS_QUEUE_MS
 * (how long an XADD waits for Redis, 10000; the instances' default of 300 loses what is sent
 * during a slower restart).
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResilienceNamespace } from '../../../sandbox-server/src/protocol/index.ts'
import { PrivateRedis, randomSpace } from '../../../sandbox-server/test/harness.ts'
import { ask, startProcess, stopChild } from '../../../scripts/bench-fanout/processes.ts'
import { ROOT } from '../../../scripts/start/index.ts'
import type { ConnectCommand, RunCommand } from './driver.ts'
import { addCounts, emptyCounts, type PhaseRow, type SoakCounts } from './tally.ts'

/** A whole number from the environment, within bounds (a typo must not start a 10-hour soak). */
function knob(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]
  const value = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer ${min}-${max} (got ${raw})`)
  return value
}

export interface SoakSettings {
  sockets: number
  group: number
  seconds: number
  rate: number
  drivers: number
  streamsMaxLen: number
  streamsQueueMs: number
}

/**
 * The soak's settings from the environment.
 *
 * @example
 * soakSettings() // => { sockets: 1000, group: 10, seconds: 60, rate: 10, drivers: 2, streamsMaxLen: 200000, streamsQueueMs: 10000 }
 */
export function soakSettings(): SoakSettings {
  const sockets = knob('SOAK_SOCKETS', 1_000, 2, 10_000)
  const group = knob('SOAK_GROUP', 10, 2, 40)
  if (sockets % group !== 0) throw new Error(`SOAK_SOCKETS must be a multiple of SOAK_GROUP (${group})`)
  return {
    sockets,
    group,
    seconds: knob('SOAK_SECONDS', 60, 2, 600),
    rate: knob('SOAK_RATE', 10, 1, 50),
    drivers: knob('SOAK_DRIVERS', 2, 1, 8),
    streamsMaxLen: knob('SOAK_STREAMS_MAX_LEN', 200_000, 100, 10_000_000),
    streamsQueueMs: knob('SOAK_STREAMS_QUEUE_MS', 10_000, 0, 600_000),
  }
}

export interface Soak {
  readonly settings: SoakSettings
  /** Opens the groups on `namespace` (closing the previous ones): resolves with the slowest driver's ms. */
  connect(namespace: ResilienceNamespace): Promise<number>
  /** Runs one phase; with `restartRedis`, Redis is stopped (SIGTERM) and started again halfway. */
  phase(name: string, options?: { restartRedis?: boolean }): Promise<PhaseRow>
  stop(): Promise<void>
}

/** `count` distinct space codes. */
function spaces(count: number): string[] {
  const codes = new Set<string>()
  for (let tries = 0; codes.size < count && tries < count * 10; tries += 1) codes.add(randomSpace())
  return [...codes]
}

function startDriver(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/reliability/soak/driver.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('a soak driver did not start in 90 s'))
    }, 90_000)
    child.once('message', () => {
      clearTimeout(timer)
      resolve(child)
    })
    child.once('exit', (code) => reject(new Error(`a soak driver exited with ${code}`)))
  })
}

/**
 * Starts Redis, two instances and the drivers; `stop()` ends every one of them.
 *
 * @example
 * const soak = await startSoak(soakSettings())
 * await soak.connect('/streams')
 * const row = await soak.phase('streams')
 * await soak.stop()
 */
export async function startSoak(settings: SoakSettings): Promise<Soak> {
  const dir = mkdtempSync(join(tmpdir(), 'rtwb-soak-'))
  const children: ChildProcess[] = []
  let redis: PrivateRedis | null = null
  const stop = async () => {
    await Promise.all(children.splice(0).map((child) => stopChild(child, 5_000)))
    await redis?.stop('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    // appendonly: entries written before the restart and not yet read by the other instance are
    // still in the stream afterwards (SIGTERM flushes the file); without it they would be gone.
    redis = await PrivateRedis.start(['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir])
    const key = `rtwb-soak-${randomBytes(3).toString('hex')}`
    const instances = await Promise.all(
      ['i1', 'i2'].map(
        (id) =>
          startProcess(
            process.execPath,
            ['--import', 'tsx', 'sandbox-server/src/main.ts'],
            {
              INSTANCE_ID: id,
              REDIS_URL: (redis as PrivateRedis).url,
              SANDBOX_KEY_PREFIX: key,
              SANDBOX_LOG_LEVEL: 'warn',
              // Every soak socket comes from 127.0.0.1 (the default cap is per client address).
              SANDBOX_MAX_CONNECTIONS_PER_ADDRESS: '100000',
              SANDBOX_RESILIENCE_MAX_SPACES: String(Math.max(500, settings.sockets)),
              SANDBOX_STREAMS_MAX_LEN: String(settings.streamsMaxLen),
              // XADDs sent while Redis restarts wait in ioredis's offline queue instead of being dropped.
              SANDBOX_STREAMS_QUEUE_MS: String(settings.streamsQueueMs),
              // Socket.IO's own heartbeat (25 s + 20 s), not the lab's short one (5 s + 4 s, for the
              // dead-peer experiment): on a starved machine a late ping would cut sockets and
              // measure the scheduler instead of the adapter.
              SANDBOX_RESILIENCE_PING_INTERVAL_MS: '25000',
              SANDBOX_RESILIENCE_PING_TIMEOUT_MS: '20000',
            },
            90_000,
          ), // a busy 2-core machine (CI, other jobs) may take long to load tsx and start
      ),
    )
    children.push(...instances.map((instance) => instance.child))
    const drivers = await Promise.all(Array.from({ length: settings.drivers }, startDriver))
    children.push(...drivers)
    const bases: [string, string] = [`http://127.0.0.1:${instances[0]?.port}`, `http://127.0.0.1:${instances[1]?.port}`]
    return { settings, stop, ...phases(settings, drivers, bases, redis) }
  } catch (error) {
    await stop()
    throw error
  }
}

function phases(
  settings: SoakSettings,
  drivers: ChildProcess[],
  bases: [string, string],
  redis: PrivateRedis,
): Pick<Soak, 'connect' | 'phase'> {
  let phaseNumber = 0
  const spaceCodes = spaces(settings.sockets / settings.group)
  const share = (index: number) => spaceCodes.filter((_, n) => n % drivers.length === index)
  const limitMs = (settings.seconds + 60) * 1000
  return {
    connect: async (namespace) => {
      const answers = await Promise.all(
        drivers.map((driver, index) => {
          const command: ConnectCommand = { type: 'connect', bases, namespace, spaces: share(index), group: settings.group }
          return ask<{ ms: number }>(driver, command, 'connected', 180_000)
        }),
      )
      return Math.max(...answers.map((answer) => answer.ms))
    },
    phase: async (name, options = {}) => {
      phaseNumber += 1
      // Each member receives from the group's other members: this is what each one sends.
      const sendRate = settings.rate / (settings.group - 1)
      const command: RunCommand = { type: 'run', phase: phaseNumber, seconds: settings.seconds, rate: sendRate }
      const results = Promise.all(drivers.map((driver) => ask<{ counts: SoakCounts }>(driver, command, 'result', limitMs)))
      let outageMs = 0
      if (options.restartRedis) {
        await new Promise((resolve) => setTimeout(resolve, (settings.seconds * 1000) / 2))
        const down = performance.now()
        await redis.stop('SIGTERM')
        await redis.restart()
        outageMs = performance.now() - down
      }
      const counts = (await results).reduce((sum, result) => addCounts(sum, result.counts), emptyCounts())
      return { phase: name, counts, targetRate: settings.rate, outageMs }
    },
  }
}
