/**
 * `npm run bench:fanout`: what the sandbox's layers cost on a fan-out, against plain Socket.IO,
 * in one run on this machine.
 *
 * Topology (every variant): 3 server processes + the local Redis, N clients (default 1,000)
 * spread over the 3, all in one room; one of them sends at a fixed rate and the others receive
 * (`socket.to(room).emit`). Variants, interleaved, each repeated (default 3) and reported as
 * medians:
 *   a   plain socket.io + @socket.io/redis-adapter (createAdapter: the classic adapter)
 *   a'  plain socket.io + @socket.io/redis-adapter (createShardedAdapter, as the sandbox uses)
 *   b   the sandbox server with everything it adds (spaces, validation, rate limiting, tracing hooks),
 *       metrics and logs off (SANDBOX_METRICS=0, SANDBOX_LOG_LEVEL=silent)
 *   bm  the same with metrics and logs on (the default), /metrics scraped every 5 s as Prometheus would
 *   b+  b with 300 other learner spaces open at once
 *   ba  b with the Socket.IO Admin UI instrumented (an instructor secret, as `npm start` runs it; no UI connected)
 * Servers run pinned to core 0, the load driver to core 1 (taskset). Loopback only; every loop
 * is bounded in count and time. Env: BENCH_CLIENTS, BENCH_RATE (msgs/s), BENCH_SECONDS, BENCH_REPS,
 * BENCH_SPACES, BENCH_VARIANTS (e.g. `b,bm` for a shorter run; default all), REDIS_URL, and
 * BENCH_SIDE_BY_SIDE=1 to measure every variant of a repetition during the same seconds (see
 * {@link runSideBySide}); ratios are then also given per repetition ("paired"), with their median.
 * BENCH_WARMUP_SECONDS (default 5): traffic before each measured run, so a heap V8 shrank while
 * its variant waited idle grows back first (see {@link geometricMean}). BENCH_SERVER_NODE_ARGS:
 * extra Node flags for the servers, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where
 * their CPU goes (a profile is written when a server exits).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../start/index.ts'
import { ask, pinned, pinning, startProcess } from './processes.ts'
import { cpuSeconds, median, rssBytes } from './stats.ts'

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000)
const RATE = Number(process.env.BENCH_RATE ?? 20)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const REPS = Number(process.env.BENCH_REPS ?? 3)
const SPACES = Number(process.env.BENCH_SPACES ?? 300)
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const SIDE_BY_SIDE = process.env.BENCH_SIDE_BY_SIDE === '1'
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5)
const DEADLINE = Date.now() + 20 * 60_000 // the whole benchmark stops after 20 minutes, whatever happens
const BENCH_SPACE = 'bench0'
/** Extra Node flags for the server processes (BENCH_SERVER_NODE_ARGS, space-separated; only `--` flags are kept). */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg.startsWith('--'))
/** Sockets opened (and kept) before the idle memory's "before" figures, spread over the servers. */
const WARM_SOCKETS = 30

interface Variant {
  id: 'a' | "a'" | 'b' | 'bm' | 'b+' | 'ba'
  title: string
  script: string
  env: (index: number, key: string) => Record<string, string>
  path: string
  extraSpaces: number
  /** Scrape every server's /metrics this often during the measured run (ms). */
  scrapeEveryMs?: number
}

const plain = (adapter: 'classic' | 'sharded') => (_index: number, key: string) => ({
  ADAPTER: adapter,
  KEY: key,
  REDIS_URL,
  NAMESPACE: '/chat',
})
const sandbox = (index: number, key: string) => ({
  INSTANCE_ID: `i${index + 1}`,
  REDIS_URL,
  SANDBOX_KEY_PREFIX: key,
  // One sender stands for a whole class and every client sits in one space: raise the limits,
  // the rate limiter and the space accounting still run on every event.
  SANDBOX_MAX_SOCKETS_PER_SPACE: '5000',
  SANDBOX_MAX_CONNECTIONS_PER_ADDRESS: '5000',
  SANDBOX_EVENTS_PER_SECOND: '10000',
  SANDBOX_EVENT_BURST: '10000',
})
const withoutObservability = (index: number, key: string) => ({ ...sandbox(index, key), SANDBOX_METRICS: '0', SANDBOX_LOG_LEVEL: 'silent' })
const withObservability = (index: number, key: string) => ({
  ...sandbox(index, key),
  SANDBOX_METRICS: '1',
  SANDBOX_LOG_LEVEL: 'info',
  SANDBOX_LOG_FORMAT: 'json',
})
/** An instructor secret for the variant with the Admin UI (a bench's own, never printed). */
const BENCH_INSTRUCTOR_TOKEN = randomBytes(32).toString('base64url')
const ALL_VARIANTS: Variant[] = [
  {
    id: 'a',
    title: 'plain socket.io + redis-adapter (classic)',
    script: 'scripts/bench-fanout/plain-server.ts',
    env: plain('classic'),
    path: '/chat',
    extraSpaces: 0,
  },
  {
    id: "a'",
    title: 'plain socket.io + redis-adapter (sharded)',
    script: 'scripts/bench-fanout/plain-server.ts',
    env: plain('sharded'),
    path: '/chat',
    extraSpaces: 0,
  },
  {
    id: 'b',
    title: 'sandbox server (spaces, validation, tracing)',
    script: 'sandbox-server/src/main.ts',
    env: withoutObservability,
    path: `/s/${BENCH_SPACE}/chat`,
    extraSpaces: 0,
  },
  {
    id: 'bm',
    title: 'sandbox server with metrics and logs',
    script: 'sandbox-server/src/main.ts',
    env: withObservability,
    path: `/s/${BENCH_SPACE}/chat`,
    extraSpaces: 0,
    scrapeEveryMs: 5_000,
  },
  {
    id: 'b+',
    title: `sandbox server + ${SPACES} other spaces open`,
    script: 'sandbox-server/src/main.ts',
    env: withoutObservability,
    path: `/s/${BENCH_SPACE}/chat`,
    extraSpaces: SPACES,
  },
  {
    id: 'ba',
    title: 'sandbox server + Admin UI instrumented',
    script: 'sandbox-server/src/main.ts',
    env: (index, key) => ({ ...withoutObservability(index, key), INSTRUCTOR_TOKEN: BENCH_INSTRUCTOR_TOKEN }),
    path: `/s/${BENCH_SPACE}/chat`,
    extraSpaces: 0,
  },
]
const wanted = process.env.BENCH_VARIANTS?.split(',').map((id) => id.trim())
const VARIANTS = wanted ? ALL_VARIANTS.filter((variant) => wanted.includes(variant.id)) : ALL_VARIANTS
if (VARIANTS.length === 0)
  throw new Error(`BENCH_VARIANTS=${process.env.BENCH_VARIANTS}: none of ${ALL_VARIANTS.map((v) => v.id).join(', ')}`)

interface RunResult {
  variant: Variant['id']
  sent: number
  delivered: number
  expected: number
  deliveriesPerSecond: number
  deliveriesPerCpuSecond: number
  p50Ms: number
  p99Ms: number
  idleBytesPerSocket: number
  idleHeapBytesPerSocket: number
  connectMs: number
}

/** A variant's servers and driver, connected and idle, ready for a measured run. */
interface Prepared {
  /** The warm-up and the measured run; resolves with the figures. */
  measure(): Promise<RunResult>
  /** Stops the driver and the servers. */
  close(): void
}

/** Starts a variant's 3 servers and its driver, connects the clients, measures idle memory. */
async function prepare(variant: Variant): Promise<Prepared> {
  const key = `rtwb-bench-${randomBytes(3).toString('hex')}`
  const servers = await Promise.all(
    [0, 1, 2].map((index) =>
      startProcess(
        ...pinned(0, [process.execPath, '--expose-gc', ...SERVER_NODE_ARGS, '--import', 'tsx', variant.script]),
        variant.env(index, key),
      ),
    ),
  )
  const [driverCommand, driverArgs] = pinned(1, [process.execPath, '--import', 'tsx', 'scripts/bench-fanout/driver.ts'])
  const driver = spawn(driverCommand, driverArgs, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const close = (): void => {
    driver.kill('SIGTERM')
    for (const server of servers) server.child.kill('SIGTERM')
  }
  try {
    await new Promise((resolve) => setTimeout(resolve, 500))
    const pids = servers.map((server) => server.child.pid as number)
    const heap = async (): Promise<number> =>
      (await Promise.all(servers.map((server) => ask<{ heapUsed: number }>(server.child, { type: 'memory' }, 'memory', 10_000)))).reduce(
        (sum, m) => sum + m.heapUsed,
        0,
      )
    // Warm-up sockets, left open: the namespace, the adapter's subscriptions, the code paths a
    // first socket compiles and loads are paid before the "before" figures, so the memory per idle
    // socket is what one more socket costs (once-per-instance costs are bigger in the sandbox).
    const bases = servers.map((server) => `http://127.0.0.1:${server.port}`)
    await ask(driver, { type: 'warm', bases, path: variant.path, clients: WARM_SOCKETS }, 'warmed', 60_000)
    const rssBefore = pids.reduce((sum, pid) => sum + rssBytes(pid), 0)
    const heapBefore = await heap()
    const extra = Array.from({ length: variant.extraSpaces }, (_, index) => ({ path: `/s/x${index.toString(36).padStart(5, '0')}/chat` }))
    const connected = await ask<{ ms: number }>(
      driver,
      { type: 'connect', bases, path: variant.path, clients: CLIENTS, extra },
      'connected',
      120_000,
    )
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const sockets = CLIENTS + variant.extraSpaces
    const idle = {
      connectMs: connected.ms,
      idleBytesPerSocket: (pids.reduce((sum, pid) => sum + rssBytes(pid), 0) - rssBefore) / sockets,
      // Heap after a full GC: what a socket really keeps alive (RSS also holds garbage not yet collected).
      idleHeapBytesPerSocket: ((await heap()) - heapBefore) / sockets,
    }
    return { measure: () => measureRun(variant, servers, pids, driver, idle), close }
  } catch (error) {
    close()
    throw error
  }
}

/** A warm-up (JIT, buffers, a heap grown back to its working size, a first scrape: Prometheus scrapes all along), then the measured run. */
async function measureRun(
  variant: Variant,
  servers: { port: number }[],
  pids: number[],
  driver: ChildProcess,
  idle: Pick<RunResult, 'connectMs' | 'idleBytesPerSocket' | 'idleHeapBytesPerSocket'>,
): Promise<RunResult> {
  const scrape = (): Promise<unknown> =>
    Promise.all(
      servers.map((server) =>
        fetch(`http://127.0.0.1:${server.port}/metrics`).then(
          (r) => r.text(),
          () => '',
        ),
      ),
    )
  if (variant.scrapeEveryMs) await scrape()
  await ask(driver, { type: 'run', rate: RATE, seconds: WARMUP_SECONDS }, 'result', (WARMUP_SECONDS + 30) * 1000)
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0)
  const scraper = variant.scrapeEveryMs ? setInterval(() => void scrape(), variant.scrapeEveryMs) : null
  const result = await ask<{ sent: number; delivered: number; expected: number; wallSeconds: number; p50: number; p99: number }>(
    driver,
    { type: 'run', rate: RATE, seconds: SECONDS },
    'result',
    (SECONDS + 30) * 1000,
  )
  if (scraper) clearInterval(scraper)
  const cpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore
  await ask(driver, { type: 'close' }, 'closed', 30_000)
  return {
    variant: variant.id,
    sent: result.sent,
    delivered: result.delivered,
    expected: result.expected,
    deliveriesPerSecond: result.delivered / result.wallSeconds,
    deliveriesPerCpuSecond: result.delivered / Math.max(cpu, 0.01),
    p50Ms: result.p50,
    p99Ms: result.p99,
    ...idle,
  }
}

/** One variant alone: prepare, measure, stop. */
async function runOnce(variant: Variant): Promise<RunResult> {
  const prepared = await prepare(variant)
  try {
    return await prepared.measure()
  } finally {
    prepared.close()
  }
}

/**
 * Every variant at once (BENCH_SIDE_BY_SIDE=1): each prepared in turn, then all measured during
 * the same seconds, so whatever else runs on the machine weighs on every variant alike (their
 * servers share core 0, their drivers core 1). Use it to compare variants whose difference is
 * smaller than the drift between two runs taken one after the other (e.g. bm against b).
 */
async function runSideBySide(variants: Variant[]): Promise<RunResult[]> {
  const prepared: Prepared[] = []
  try {
    for (const variant of variants) prepared.push(await prepare(variant))
    return await Promise.all(prepared.map((p) => p.measure()))
  } finally {
    for (const p of prepared) p.close()
  }
}

console.log(
  `fan-out benchmark: ${CLIENTS} clients on 3 processes + Redis, one room, 1 sender at ${RATE} msgs/s for ${SECONDS} s, ${REPS} repetitions${pinning ? ', servers on core 0, driver on core 1' : ' (taskset missing: not pinned)'}`,
)
const runs: (RunResult & { rep: number })[] = []
const printRun = (rep: number, result: RunResult): void =>
  console.log(
    `  rep ${rep} ${result.variant.padEnd(2)} ${result.deliveriesPerSecond.toFixed(0).padStart(7)} deliveries/s  ${result.deliveriesPerCpuSecond.toFixed(0).padStart(7)} per CPU-s  p50 ${result.p50Ms.toFixed(1)} ms  p99 ${result.p99Ms.toFixed(1)} ms  ${result.delivered}/${result.expected} delivered`,
  )
for (let rep = 1; rep <= REPS; rep += 1) {
  if (Date.now() > DEADLINE) throw new Error('benchmark time limit (20 min) reached')
  // Interleave the variants, and rotate their order, so drift on a shared machine spreads evenly.
  const order = VARIANTS.map((_, index) => VARIANTS[(index + rep - 1) % VARIANTS.length] as Variant)
  const results = SIDE_BY_SIDE ? await runSideBySide(order) : []
  for (const variant of SIDE_BY_SIDE ? [] : order) {
    if (Date.now() > DEADLINE) throw new Error('benchmark time limit (20 min) reached')
    results.push(await runOnce(variant))
  }
  for (const result of results) {
    runs.push({ ...result, rep })
    printRun(rep, result)
  }
}

type Summary = Omit<RunResult, 'variant' | 'sent' | 'delivered' | 'expected' | 'connectMs'> & { title: string; deliveredShare: number }
const summary = Object.fromEntries(
  VARIANTS.map((variant) => {
    const mine = runs.filter((run) => run.variant === variant.id)
    const m = (pick: (run: RunResult) => number) => median(mine.map(pick))
    const row: Summary = {
      title: variant.title,
      deliveriesPerSecond: m((r) => r.deliveriesPerSecond),
      deliveriesPerCpuSecond: m((r) => r.deliveriesPerCpuSecond),
      p50Ms: m((r) => r.p50Ms),
      p99Ms: m((r) => r.p99Ms),
      idleBytesPerSocket: m((r) => r.idleBytesPerSocket),
      idleHeapBytesPerSocket: m((r) => r.idleHeapBytesPerSocket),
      deliveredShare: m((r) => r.delivered / Math.max(r.expected, 1)),
    }
    return [variant.id, row]
  }),
) as Partial<Record<Variant['id'], Summary>>

/** `pick(x) / pick(y)` of two variants' medians, or `null` when one was not run. */
const ratio = (x: Variant['id'], y: Variant['id'], pick: (row: Summary) => number): number | null => {
  const [top, bottom] = [summary[x], summary[y]]
  return top && bottom ? Number((pick(top) / pick(bottom)).toFixed(3)) : null
}
/**
 * The geometric mean of ratios. Side by side, the variant prepared FIRST comes out less efficient,
 * whichever it is: it waits idle while the other connects its clients, and V8 shrinks its heap
 * meanwhile (CPU profiles of b and bm, 2026-11-30: twice the GC time in the first one's measured
 * window). A 1 s warm-up left about 8 % (bm/b 1.01-1.06 when b went first, 0.86-0.90 when bm did);
 * the 5 s warm-up about 2 % (0.96-1.00 against 0.91-0.98, 10 repetitions). The repetitions
 * alternate the order, so over an even number of them this mean cancels what is left; the median
 * of two clusters does not.
 */
const geometricMean = (values: number[]): number => Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length)

/** Per repetition, x's deliveries per CPU-second over y's: the pairs measured closest in time. */
const pairedCpuRatios = (x: Variant['id'], y: Variant['id']): number[] =>
  Array.from({ length: REPS }, (_, index) => {
    const [top, bottom] = [x, y].map((id) => runs.find((run) => run.rep === index + 1 && run.variant === id))
    return top && bottom ? Number((top.deliveriesPerCpuSecond / bottom.deliveriesPerCpuSecond).toFixed(3)) : null
  }).filter((value): value is number => value !== null)
const compare = (x: Variant['id'], y: Variant['id']) => {
  const paired = pairedCpuRatios(x, y)
  return {
    throughputRatio: ratio(x, y, (r) => r.deliveriesPerSecond),
    p99Ratio: ratio(x, y, (r) => r.p99Ms),
    cpuEfficiencyRatio: ratio(x, y, (r) => r.deliveriesPerCpuSecond),
    pairedCpuEfficiencyRatios: paired,
    pairedCpuEfficiencyMedian: paired.length > 0 ? Number(median(paired).toFixed(3)) : null,
    pairedCpuEfficiencyGeoMean: paired.length > 0 ? Number(geometricMean(paired).toFixed(3)) : null,
  }
}
const report = {
  ...compare('b', 'a'),
  idleHeapPerSocketRatio: ratio('b', 'a', (r) => r.idleHeapBytesPerSocket),
  versusSharded: compare('b', "a'"),
  spaces300: compare('b+', 'b'),
  observability: compare('bm', 'b'),
  adminUi: compare('ba', 'b'),
  targets: { throughputRatio: '>= 0.9', p99Ratio: '<= 1.2', observabilityCpuEfficiencyRatio: '>= 0.95' },
  setup: {
    clients: CLIENTS,
    rateMsgsPerSecond: RATE,
    seconds: SECONDS,
    repetitions: REPS,
    otherSpaces: SPACES,
    variants: VARIANTS.map((v) => v.id),
    sideBySide: SIDE_BY_SIDE,
    pinned: pinning,
    node: process.version,
  },
  summary,
  runs,
}

const line = (cells: string[], widths: number[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')
const widths = [50, 13, 9, 9, 15, 12, 12, 10]
console.log('')
console.log(
  line(['variant (medians)', 'deliveries/s', 'p50 ms', 'p99 ms', 'deliv./CPU-s', 'heap B/sock', 'RSS B/sock', 'delivered'], widths),
)
for (const variant of VARIANTS) {
  const row = summary[variant.id]
  if (!row) continue
  console.log(
    line(
      [
        `${variant.id.padEnd(3)}${row.title}`,
        row.deliveriesPerSecond.toFixed(0),
        row.p50Ms.toFixed(1),
        row.p99Ms.toFixed(1),
        row.deliveriesPerCpuSecond.toFixed(0),
        row.idleHeapBytesPerSocket.toFixed(0),
        row.idleBytesPerSocket.toFixed(0),
        `${(row.deliveredShare * 100).toFixed(1)}%`,
      ],
      widths,
    ),
  )
}
console.log('')
console.log(
  `b/a   throughput ${report.throughputRatio} (target >= 0.9), p99 ${report.p99Ratio} (target <= 1.2), deliveries per CPU-s ${report.cpuEfficiencyRatio}, heap per idle socket ${report.idleHeapPerSocketRatio}`,
)
console.log(
  `b/a'  throughput ${report.versusSharded.throughputRatio}, p99 ${report.versusSharded.p99Ratio}, deliveries per CPU-s ${report.versusSharded.cpuEfficiencyRatio}`,
)
console.log(
  `b+/b  (${SPACES} spaces open) throughput ${report.spaces300.throughputRatio}, p99 ${report.spaces300.p99Ratio}, deliveries per CPU-s ${report.spaces300.cpuEfficiencyRatio}`,
)
console.log(
  `bm/b  (metrics and logs on) throughput ${report.observability.throughputRatio}, p99 ${report.observability.p99Ratio}, deliveries per CPU-s ${report.observability.cpuEfficiencyRatio} (target >= 0.95), paired per repetition: geometric mean ${report.observability.pairedCpuEfficiencyGeoMean}, median ${report.observability.pairedCpuEfficiencyMedian}, of [${report.observability.pairedCpuEfficiencyRatios.join(', ')}]`,
)
console.log(
  `ba/b  (Admin UI instrumented) throughput ${report.adminUi.throughputRatio}, p99 ${report.adminUi.p99Ratio}, deliveries per CPU-s ${report.adminUi.cpuEfficiencyRatio}`,
)
mkdirSync(join(ROOT, '.bench'), { recursive: true })
const file = join(ROOT, '.bench', `fanout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
console.log(`\nJSON: ${file}`)
process.exit(0)
