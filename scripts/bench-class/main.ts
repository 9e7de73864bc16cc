/**
 * `npm run bench:class`: how many learners one machine holds. For each class size N (default
 * 50, 100, 200, 300), a fresh 3-instance cluster (sandbox-server processes + the local Redis,
 * a unique key prefix) and N simulated learners, each opening what the lesson 2 and lesson 3
 * widgets open (6 observers, 9 virtual clients, `/healthz` polling; see model.ts) and taking the
 * lessons' steps at human pace (driver.ts). Reports click -> delivery p50/p95/p99, errors, CPU per
 * instance, memory per learner, Redis commands/s and the knee (first N with p99 > 100 ms or any
 * error). Servers run pinned to core 0, the driver to core 1 (taskset); loopback only; every loop
 * bounded in count and time; the whole run stops after 15 minutes whatever happens.
 *
 * Env: BENCH_CLASS_SIZES (e.g. `50,100`), BENCH_CLASS_SECONDS (measured seconds per size, default
 * 60), BENCH_CLASS_THINK_MS (think time range, default `2000-8000`), REDIS_URL.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { ROOT } from '../start/index.ts'
import { ask, pinned, pinning, startProcess } from '../bench-fanout/processes.ts'
import { cpuSeconds, rssBytes } from '../bench-fanout/stats.ts'
import { knee, parseSizes } from './model.ts'

const SIZES = parseSizes(process.env.BENCH_CLASS_SIZES ?? '50,100,200,300')
const SECONDS = Math.max(5, Math.min(600, Number(process.env.BENCH_CLASS_SECONDS ?? 60)))
const [THINK_MIN, THINK_MAX] = (process.env.BENCH_CLASS_THINK_MS ?? '2000-8000').split('-').map(Number) as [number, number]
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const DEADLINE = Date.now() + 15 * 60_000
const HEALTH_EVERY_MS = 5_000 // the session's health polling period
const P99_LIMIT_MS = 100

if (!(THINK_MIN >= 100 && THINK_MAX >= THINK_MIN && THINK_MAX <= 600_000)) throw new Error('BENCH_CLASS_THINK_MS: e.g. 2000-8000')

interface DriverResult {
  seconds: number
  steps: number
  sends: number
  expected: number
  delivered: number
  lost: number
  unexpected: number
  deliveryP50Ms: number
  deliveryP95Ms: number
  deliveryP99Ms: number
  ackP50Ms: number
  ackP99Ms: number
  errorAcks: Record<string, number>
  timeouts: number
  disconnects: number
  healthRequests: number
  healthErrors: number
  traces: number
  driverLagP99Ms: number
}

interface SizeResult extends DriverResult {
  learners: number
  sockets: number
  connectMs: number
  connectErrors: number
  errors: number
  cpuPercentPerInstance: number[]
  heapBytesPerLearner: number
  rssBytesPerLearner: number
  redisCommandsPerSecond: number
  redisBaselineCommandsPerSecond: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Redis commands processed per second over `ms` (every client of the shared Redis, not only ours). */
async function redisRate(redis: Redis, ms: number): Promise<{ perSecond: number; count: () => Promise<number> }> {
  const count = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0)
  const before = await count()
  await sleep(ms)
  return { perSecond: ((await count()) - before - 1) / (ms / 1000), count }
}

/** The three instances, as `npm start` runs them, but for many learners on one address. */
function startCluster(key: string) {
  return Promise.all(
    [1, 2, 3].map((n) =>
      startProcess(...pinned(0, [process.execPath, '--expose-gc', '--import', 'tsx', 'sandbox-server/src/main.ts']), {
        INSTANCE_ID: `i${n}`,
        REDIS_URL,
        SANDBOX_KEY_PREFIX: key,
        // Every simulated learner comes from 127.0.0.1; in a class each has an address of their own.
        SANDBOX_MAX_CONNECTIONS_PER_ADDRESS: '100000',
      }),
    ),
  )
}

async function runSize(learners: number, redis: Redis): Promise<SizeResult> {
  const baseline = await redisRate(redis, 3_000)
  const key = `rtwb-bench-class-${randomBytes(3).toString('hex')}`
  const servers = await startCluster(key)
  const [driverCommand, driverArgs] = pinned(1, [process.execPath, '--import', 'tsx', 'scripts/bench-class/driver.ts'])
  const driver = spawn(driverCommand, driverArgs, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  try {
    const pids = servers.map((server) => server.child.pid as number)
    const memory = async () => {
      const answers = await Promise.all(servers.map((s) => ask<{ heapUsed: number }>(s.child, { type: 'memory' }, 'memory', 10_000)))
      return { heap: answers.reduce((sum, m) => sum + m.heapUsed, 0), rss: pids.reduce((sum, pid) => sum + rssBytes(pid), 0) }
    }
    await sleep(500)
    const before = await memory()
    const bases = servers.map((server) => `http://127.0.0.1:${server.port}`)
    const connected = await ask<{ ms: number; sockets: number; connectErrors: number }>(
      driver,
      { type: 'connect', bases, learners },
      'connected',
      180_000,
    )
    await sleep(2_000)
    const after = await memory()
    const runCommand = { type: 'run', thinkMinMs: THINK_MIN, thinkMaxMs: THINK_MAX, healthEveryMs: HEALTH_EVERY_MS }
    await ask(driver, { ...runCommand, seconds: 5 }, 'result', 60_000) // warm-up (JIT, first joins), not reported
    const cpuBefore = pids.map(cpuSeconds)
    const redisBefore = await baseline.count()
    const started = performance.now()
    const result = await ask<DriverResult>(driver, { ...runCommand, seconds: SECONDS }, 'result', (SECONDS + 60) * 1000)
    const wall = (performance.now() - started) / 1000
    const redisCommands = (await baseline.count()) - redisBefore
    const cpuPercentPerInstance = pids.map((pid, n) => ((cpuSeconds(pid) - (cpuBefore[n] ?? 0)) / wall) * 100)
    await ask(driver, { type: 'close' }, 'closed', 30_000)
    const errorAcks = Object.values(result.errorAcks).reduce((sum, n) => sum + n, 0)
    return {
      ...result,
      learners,
      sockets: connected.sockets,
      connectMs: connected.ms,
      connectErrors: connected.connectErrors,
      errors: errorAcks + result.timeouts + connected.connectErrors + result.disconnects + result.healthErrors + result.lost,
      cpuPercentPerInstance,
      heapBytesPerLearner: (after.heap - before.heap) / learners,
      rssBytesPerLearner: (after.rss - before.rss) / learners,
      redisCommandsPerSecond: redisCommands / wall,
      redisBaselineCommandsPerSecond: baseline.perSecond,
    }
  } finally {
    driver.kill('SIGTERM')
    for (const server of servers) server.child.kill('SIGTERM')
  }
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-')
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-')

function printTable(results: SizeResult[]): void {
  const widths = [9, 8, 22, 8, 7, 16, 12, 12, 17, 9]
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ')
  console.log('')
  console.log(
    line([
      'learners',
      'sockets',
      'deliv. p50/p95/p99 ms',
      'ack p99',
      'errors',
      'CPU % i1/i2/i3',
      'heap KB/lrn',
      'RSS KB/lrn',
      'Redis cmd/s (idle)',
      'drv lag',
    ]),
  )
  for (const r of results) {
    console.log(
      line([
        String(r.learners),
        String(r.sockets),
        `${f1(r.deliveryP50Ms)}/${f1(r.deliveryP95Ms)}/${f1(r.deliveryP99Ms)}`,
        f1(r.ackP99Ms),
        String(r.errors),
        r.cpuPercentPerInstance.map(f0).join('/'),
        f1(r.heapBytesPerLearner / 1024),
        f1(r.rssBytesPerLearner / 1024),
        `${f0(r.redisCommandsPerSecond)} (${f0(r.redisBaselineCommandsPerSecond)})`,
        f1(r.driverLagP99Ms),
      ]),
    )
  }
}

console.log(
  `class benchmark: sizes ${SIZES.join(', ')}; per learner 6 observers + 9 clients + /healthz polling; think ${THINK_MIN}-${THINK_MAX} ms; ${SECONDS} s measured per size${pinning ? '; servers on core 0, driver on core 1' : ' (taskset missing: not pinned)'}`,
)
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
redis.on('error', () => undefined)
await redis.connect()
const results: SizeResult[] = []
for (const size of SIZES) {
  if (Date.now() > DEADLINE) {
    console.log('benchmark time limit (15 min) reached: stopping')
    break
  }
  const result = await runSize(size, redis)
  results.push(result)
  const breakdown = {
    ...result.errorAcks,
    timeouts: result.timeouts,
    connect: result.connectErrors,
    disconnects: result.disconnects,
    health: result.healthErrors,
    lost: result.lost,
  }
  console.log(
    `  ${size} learners: ${result.sockets} sockets in ${f1(result.connectMs / 1000)} s, ${result.steps} steps, ${result.delivered}/${result.expected} deliveries, p99 ${f1(result.deliveryP99Ms)} ms, errors ${JSON.stringify(breakdown)}`,
  )
}
await redis.quit()
printTable(results)
const kneeAt = knee(results, P99_LIMIT_MS)
console.log('')
console.log(
  kneeAt === null
    ? `knee: none up to ${Math.max(...results.map((r) => r.learners))} learners (p99 <= ${P99_LIMIT_MS} ms, no error)`
    : `knee: ${kneeAt} learners (first size with delivery p99 > ${P99_LIMIT_MS} ms or an error)`,
)
console.log('Redis cmd/s counts every client of the shared Redis; (idle) is its rate just before the cluster started.')
const report = {
  knee: kneeAt,
  targets: { learners: 200, deliveryP99Ms: `<= ${P99_LIMIT_MS}`, errors: 0 },
  setup: {
    sizes: SIZES,
    seconds: SECONDS,
    thinkMs: [THINK_MIN, THINK_MAX],
    pinned: pinning,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
  },
  results,
}
mkdirSync(join(ROOT, '.bench'), { recursive: true })
const file = join(ROOT, '.bench', `class-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
console.log(`\nJSON: ${file}`)
process.exit(0)
