/**
 * `npm start`'s launcher: real instance processes, a real Redis (started by the launcher when
 * none answers), crash restart, and no orphan after the launcher dies.
 *
 * Every test starts processes (`node --import tsx`), which is slow on a loaded machine: each wait
 * is on a readiness signal (an instance's IPC "listening", the launcher's "Press Ctrl-C" line, a
 * `/healthz` answer, an exit), bounded by `START_MS`, and says what it was waiting for.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveLauncherConfig, type LauncherOptions } from '../../scripts/start/config.ts'
import { startWorkbook, ROOT, type Workbook } from '../../scripts/start/index.ts'
import { eventually, freePort, SHARED_REDIS_URL, uniquePrefix } from '../../sandbox-server/test/harness.ts'
import { startOn, type Started } from '../deploy/processes.ts'
import type { HealthBody, SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'

/**
 * How long starting launcher processes may take. A cluster is four `node --import tsx` processes
 * (three instances, the emitter) that load the server's TypeScript at once: a few seconds on a
 * quiet two-core machine, but at load average 15-25 one `node --import tsx scripts/start/main.ts`
 * took 17-19 s just to refuse its config, a cluster up to ~50 s to start and a crashed instance
 * ~45 s to come back (the old limit was 20 s per test). Twice the worst seen, so a start that
 * never comes fails with its message in 2 minutes.
 */
const START_MS = 120_000
/** A test's own limit: its slowest waits (a start, then a restart or the instances' Redis) run one after the other. */
const TEST_MS = 2 * START_MS + 10_000

const siteDir = mkdtempSync(join(tmpdir(), 'rtwb-site-'))
writeFileSync(join(siteDir, 'index.html'), '<!doctype html><title>t</title>')
const lines: string[] = []
const log = (line: string): void => void lines.push(line)
let workbook: Workbook | null = null
/** A start that `within` gave up on: it may still finish, and must be closed then. */
let starting: Promise<Workbook> | null = null

afterEach(async () => {
  const late = workbook ? null : await starting?.catch(() => null)
  await (workbook ?? late)?.close()
  workbook = null
  starting = null
})

/** The launcher's last log lines, for a failure message. */
const recentLog = (): string => lines.slice(-15).join('\n')

/**
 * Resolves with `promise`, or rejects after `ms` naming what it waited for.
 *
 * @example
 * await within(START_MS, 'the launcher to exit', exited)
 */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${what}; launcher log:\n${recentLog()}`)), ms)
  })
  try {
    return await Promise.race([promise, late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `eventually`, with what it waits for in the failure message.
 *
 * @example
 * await waitFor('i2 to answer /healthz', async () => expect((await health(port)).instance).toBe('i2'))
 */
async function waitFor(what: string, check: () => void | Promise<void>, ms = START_MS): Promise<void> {
  try {
    await eventually(check, ms, 50)
  } catch (error) {
    throw new Error(`waited ${ms} ms for ${what}: ${error instanceof Error ? error.message : String(error)}; launcher log:\n${recentLog()}`)
  }
}

async function start(redisUrl: string, startRedis: '0' | '1' = '1', options: LauncherOptions = {}): Promise<Workbook> {
  starting = startWorkbook(
    resolveLauncherConfig({
      sitePort: 0,
      sandboxPort: 0,
      siteDir,
      skipBuild: '1',
      redisUrl,
      startRedis,
      keyPrefix: uniquePrefix(),
      ...options,
    }),
    log,
  )
  workbook = await within(START_MS, 'the launcher to start its instances and emitter (each reports "listening" over IPC)', starting)
  return workbook
}

/** Runs `npm start` (scripts/start/main.ts) with `env`; resolves with its exit code and output once it exits. */
function runLauncher(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, SITE_DIR: siteDir, SKIP_BUILD: '1', SITE_PORT: '0', SANDBOX_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr, stdout })),
  )
  return within(START_MS, 'the launcher to exit', exited).catch((error: unknown) => {
    child.kill('SIGKILL')
    throw error
  })
}

/** The status of a Socket.IO polling handshake sent to `port` from a page at `origin`. */
async function handshakeStatus(port: number, origin: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } })
  await response.body?.cancel()
  return response.status
}

/** This machine, for `startOn` (the deploy test's process starter): no command prefix. */
const LOCAL = { name: 'localhost', address: '127.0.0.1', exec: [] }

const health = async (port: number): Promise<HealthBody> => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as HealthBody
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('launcher', () => {
  it('starts a redis-server when none answers, serves /sandbox.json, and stops it all', { timeout: TEST_MS }, async () => {
    // The launcher's own redis-server is told its port in the URL: it cannot take port 0.
    const port = await freePort()
    const started = await start(`redis://127.0.0.1:${port}`)
    expect(started.redis.kind).toBe('started')
    const directory = (await (await fetch(`${started.siteUrl}/sandbox.json`)).json()) as SandboxDirectory
    expect(directory.fanout).toBe('redis')
    expect(directory.instances.map((i) => i.id)).toEqual(['i1', 'i2', 'i3'])
    // Together, so the test's limit covers one wait after the start, not three.
    await Promise.all(
      directory.instances.map((instance) =>
        waitFor(`${instance.id}'s Redis link to be ready`, async () => expect((await health(instance.port)).redis).toBe('ready')),
      ),
    )
    const redisPid = started.redis.kind === 'started' ? started.redis.child.pid : undefined
    await started.close()
    workbook = null
    expect(redisPid && alive(redisPid)).toBe(false)
  })

  it('runs without fan-out when no Redis can be had, and says so', { timeout: TEST_MS }, async () => {
    // Nothing listens on this loopback port, and the launcher may not start a redis-server.
    const started = await start(`redis://127.0.0.1:${await freePort()}`, '0')
    expect(started.redis.kind).toBe('none')
    expect(started.directory.fanout).toBe('local-only')
    const [first] = started.directory.instances
    expect((await health(first?.port ?? 0)).fanout).toBe('local-only')
    expect(lines.join('\n')).toMatch(/Redis is not available[\s\S]*WITHOUT cross-instance fan-out/)
  })

  it(
    'hands the instances the origins it validated: http://192.168.1.20:4321/ is allowed everywhere, REDIS_URL=off',
    { timeout: TEST_MS },
    async () => {
      const started = await start('off', '1', { extraOrigins: 'http://192.168.1.20:4321/' })
      expect(started.redis.kind).toBe('none')
      expect(started.emitter).toBeNull()
      for (const { port } of started.directory.instances) {
        expect(await handshakeStatus(port, 'http://192.168.1.20:4321')).toBe(200)
        expect(await handshakeStatus(port, 'http://evil.example')).toBe(403)
      }
    },
  )

  it('restarts a crashed instance on the same port', { timeout: TEST_MS }, async () => {
    const started = await start(SHARED_REDIS_URL, '1', { restartDelayMs: 50 })
    const instance = started.instances[1]
    if (!instance?.pid) throw new Error('no instance')
    const { port, pid } = instance
    process.kill(pid, 'SIGKILL')
    await waitFor('the launcher to restart i2 and i2 to answer /healthz on its port', async () => {
      expect(instance.pid).toBeDefined()
      expect(instance.pid).not.toBe(pid)
      expect((await health(port)).instance).toBe('i2')
    })
    expect(instance.restarts).toBe(1)
  })
})

it('instances exit when the launcher is killed (no orphans)', { timeout: TEST_MS }, async () => {
  const env = { ...process.env, REDIS_URL: SHARED_REDIS_URL, SITE_DIR: siteDir, SKIP_BUILD: '1', SITE_PORT: '0', SANDBOX_PORT: '0' }
  let launcher: Started | null = null
  try {
    launcher = await startOn(LOCAL, 'the launcher', [process.execPath, '--import', 'tsx', 'scripts/start/main.ts'], {
      ready: 'Press Ctrl-C to stop',
      env: { ...env, SANDBOX_KEY_PREFIX: uniquePrefix() },
      timeoutMs: START_MS,
    })
    const ports = [...launcher.output().matchAll(/sandbox +i\d {2}http:\/\/localhost:(\d+)/g)].map((m) => Number(m[1]))
    expect(ports).toHaveLength(3)
    launcher.child.kill('SIGKILL')
    await waitFor('the instances to exit once the launcher died (their /healthz to refuse connections)', async () => {
      const answers = await Promise.allSettled(ports.map((port) => fetch(`http://127.0.0.1:${port}/healthz`)))
      expect(answers.map((answer) => answer.status)).toEqual(ports.map(() => 'rejected'))
    })
  } finally {
    await launcher?.stop()
  }
})

it('refuses a bad value before starting anything, naming the variable and what it expects', { timeout: TEST_MS }, async () => {
  const { code, stderr, stdout } = await runLauncher({
    SANDBOX_ORIGINS: 'http://192.168.1.20:4321/,ftp://x',
    SANDBOX_MAX_ROOMS_PER_SOCKET: '0',
  })
  expect(code).toBe(2)
  expect(stderr).toMatch(/SANDBOX_ORIGINS: "ftp:\/\/x" is not an origin \(expected http\(s\):\/\/host\[:port\]/)
  expect(stderr).toMatch(/SANDBOX_MAX_ROOMS_PER_SOCKET: "0" is not valid \(expected a whole number from 1 to 100\)/)
  expect(stdout).not.toMatch(/sandbox +i1/)
})
