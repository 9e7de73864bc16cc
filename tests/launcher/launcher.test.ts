/**
 * `npm start`'s launcher: real instance processes, a real Redis (started by the launcher when
 * none answers), crash restart, and no orphan after the launcher dies.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveLauncherConfig, type LauncherOptions } from '../../scripts/start/config.ts'
import { startWorkbook, ROOT, type Workbook } from '../../scripts/start/index.ts'
import { eventually, freePort, SHARED_REDIS_URL, uniquePrefix } from '../../sandbox-server/test/harness.ts'
import type { HealthBody, SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'

const siteDir = mkdtempSync(join(tmpdir(), 'rtwb-site-'))
writeFileSync(join(siteDir, 'index.html'), '<!doctype html><title>t</title>')
const lines: string[] = []
const log = (line: string): void => void lines.push(line)
let workbook: Workbook | null = null

afterEach(async () => {
  await workbook?.close()
  workbook = null
})

async function start(redisUrl: string, startRedis: '0' | '1' = '1', options: LauncherOptions = {}): Promise<Workbook> {
  workbook = await startWorkbook(
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
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr, stdout })))
}

/** The status of a Socket.IO polling handshake sent to `port` from a page at `origin`. */
async function handshakeStatus(port: number, origin: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: origin } })
  await response.body?.cancel()
  return response.status
}

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
  it('starts a redis-server when none answers, serves /sandbox.json, and stops it all', async () => {
    // The launcher's own redis-server is told its port in the URL: it cannot take port 0.
    const port = await freePort()
    const started = await start(`redis://127.0.0.1:${port}`)
    expect(started.redis.kind).toBe('started')
    const directory = (await (await fetch(`${started.siteUrl}/sandbox.json`)).json()) as SandboxDirectory
    expect(directory.fanout).toBe('redis')
    expect(directory.instances.map((i) => i.id)).toEqual(['i1', 'i2', 'i3'])
    for (const instance of directory.instances) {
      await eventually(async () => expect((await health(instance.port)).redis).toBe('ready'), 5_000)
    }
    const redisPid = started.redis.kind === 'started' ? started.redis.child.pid : undefined
    await started.close()
    workbook = null
    expect(redisPid && alive(redisPid)).toBe(false)
  })

  it('runs without fan-out when no Redis can be had, and says so', async () => {
    // Nothing listens on this loopback port, and the launcher may not start a redis-server.
    const started = await start(`redis://127.0.0.1:${await freePort()}`, '0')
    expect(started.redis.kind).toBe('none')
    expect(started.directory.fanout).toBe('local-only')
    const [first] = started.directory.instances
    expect((await health(first?.port ?? 0)).fanout).toBe('local-only')
    expect(lines.join('\n')).toMatch(/Redis is not available[\s\S]*WITHOUT cross-instance fan-out/)
  })

  it('hands the instances the origins it validated: http://192.168.1.20:4321/ is allowed everywhere, REDIS_URL=off', async () => {
    const started = await start('off', '1', { extraOrigins: 'http://192.168.1.20:4321/' })
    expect(started.redis.kind).toBe('none')
    expect(started.emitter).toBeNull()
    for (const { port } of started.directory.instances) {
      expect(await handshakeStatus(port, 'http://192.168.1.20:4321')).toBe(200)
      expect(await handshakeStatus(port, 'http://evil.example')).toBe(403)
    }
  })

  it('restarts a crashed instance on the same port', async () => {
    const started = await start(SHARED_REDIS_URL, '1', { restartDelayMs: 50 })
    const instance = started.instances[1]
    if (!instance?.pid) throw new Error('no instance')
    const { port, pid } = instance
    process.kill(pid, 'SIGKILL')
    await eventually(async () => {
      expect(instance.pid).toBeDefined()
      expect(instance.pid).not.toBe(pid)
      expect((await health(port)).instance).toBe('i2')
    }, 10_000)
    expect(instance.restarts).toBe(1)
  })
})

it('instances exit when the launcher is killed (no orphans)', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: SHARED_REDIS_URL,
      SITE_DIR: siteDir,
      SKIP_BUILD: '1',
      SITE_PORT: '0',
      SANDBOX_PORT: '0',
      SANDBOX_KEY_PREFIX: uniquePrefix(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  await eventually(() => expect(output).toMatch(/Press Ctrl-C to stop/), 20_000)
  const ports = [...output.matchAll(/sandbox {3}i\d {2}http:\/\/localhost:(\d+)/g)].map((m) => Number(m[1]))
  expect(ports).toHaveLength(3)
  child.kill('SIGKILL')
  await eventually(async () => {
    const answers = await Promise.allSettled(ports.map((port) => fetch(`http://127.0.0.1:${port}/healthz`)))
    expect(answers.every((answer) => answer.status === 'rejected')).toBe(true)
  }, 10_000)
})

it('refuses a bad value before starting anything, naming the variable and what it expects', async () => {
  const { code, stderr, stdout } = await runLauncher({
    SANDBOX_ORIGINS: 'http://192.168.1.20:4321/,ftp://x',
    SANDBOX_MAX_ROOMS_PER_SOCKET: '0',
  })
  expect(code).toBe(2)
  expect(stderr).toMatch(/SANDBOX_ORIGINS: "ftp:\/\/x" is not an origin \(expected http\(s\):\/\/host\[:port\]/)
  expect(stderr).toMatch(/SANDBOX_MAX_ROOMS_PER_SOCKET: "0" is not valid \(expected a whole number from 1 to 100\)/)
  expect(stdout).not.toMatch(/sandbox {3}i1/)
})
