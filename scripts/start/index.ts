/**
 * `npm start`: the site and a sandbox cluster on one machine.
 *
 * 1. find Redis (or start one, or go on without it and say so);
 * 2. build the site if it is missing or stale;
 * 3. serve the site, with `/sandbox.json` telling widgets where the instances are;
 * 4. start the instances as supervised child processes joined through Redis.
 *
 * @module
 */
import { networkInterfaces } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Server } from 'node:http'
import type { SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'
import { InstanceProcess } from './cluster.ts'
import type { LauncherConfig } from './config.ts'
import { ensureRedis, REDIS_HELP, type RedisSource } from './redis.ts'
import { buildSite, serveSite, siteIsStale } from './site.ts'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface Workbook {
  siteUrl: string
  instances: InstanceProcess[]
  /** The Redis emitter process (lesson 3); `null` without Redis. */
  emitter: InstanceProcess | null
  redis: RedisSource
  directory: SandboxDirectory
  /** Stops the instances, the site server and a Redis that the launcher started. */
  close(): Promise<void>
}

/** LAN addresses of this machine (IPv4, not internal), for a class on a LAN. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address && address.family === 'IPv4' && !address.internal)
    .map((address) => (address as { address: string }).address)
}

/**
 * Starts everything and resolves once the site and every instance listen.
 *
 * @example
 * const workbook = await startWorkbook(launcherConfigFromEnv(process.env), console.log)
 * console.log(workbook.siteUrl)
 */
export async function startWorkbook(config: LauncherConfig, log: (line: string) => void): Promise<Workbook> {
  const siteDir = config.siteDir ? resolve(config.siteDir) : join(ROOT, 'site', 'dist')
  const host = config.lan ? '0.0.0.0' : '127.0.0.1'

  if (!config.skipBuild && siteIsStale(ROOT, siteDir)) buildSite(ROOT, log)

  const redis = await ensureRedis(config.redisUrl, log, config.startRedis)
  const fanout: SandboxDirectory['fanout'] = redis.kind === 'none' ? 'local-only' : 'redis'

  const instances: InstanceProcess[] = []
  let emitter: InstanceProcess | null = null
  const directory = (): SandboxDirectory => ({
    instances: instances.map((instance) => ({ id: instance.id, port: instance.port })),
    ...(emitter ? { emitter: { port: emitter.port } } : {}),
    fanout,
  })
  const site = await serveSite({ siteDir, port: config.sitePort, host, directory })
  const sitePort = site.port
  const origins = new Set([`http://localhost:${sitePort}`, `http://127.0.0.1:${sitePort}`, ...config.extraOrigins])
  if (config.lan) for (const address of lanAddresses()) origins.add(`http://${address}:${sitePort}`)

  const env = {
    HOST: host,
    REDIS_URL: redis.kind === 'none' ? 'off' : redis.url,
    SANDBOX_KEY_PREFIX: config.keyPrefix,
    SANDBOX_ORIGINS: [...origins].join(','),
  }
  for (let index = 0; index < config.instances; index += 1) {
    const port = config.sandboxPort === 0 ? 0 : config.sandboxPort + index
    instances.push(new InstanceProcess(ROOT, { id: `i${index + 1}`, port, env }, log))
  }
  if (redis.kind !== 'none') {
    const port = config.sandboxPort === 0 ? 0 : config.sandboxPort + config.instances
    emitter = new InstanceProcess(ROOT, { id: 'emitter', port, env, script: join('sandbox-server', 'src', 'emitter', 'main.ts') }, log)
  }
  const processes = emitter ? [...instances, emitter] : instances
  const closeSite = (server: Server): Promise<void> =>
    new Promise((done) => {
      server.closeAllConnections()
      server.close(() => done())
    })
  try {
    await Promise.all(processes.map((process) => process.start()))
  } catch (error) {
    await Promise.all(processes.map((process) => process.stop()))
    await closeSite(site.server)
    if (redis.kind === 'started') redis.child.kill('SIGTERM')
    throw error
  }

  if (redis.kind === 'none') {
    log(`[launcher] WARNING: Redis is not available: ${redis.reason}.`)
    log(`[launcher] The cluster runs WITHOUT cross-instance fan-out. ${REDIS_HELP}`)
  }

  let closing: Promise<void> | null = null
  return {
    siteUrl: `http://localhost:${sitePort}`,
    instances,
    emitter,
    redis,
    directory: directory(),
    close: () => {
      closing ??= (async () => {
        await Promise.all(processes.map((process) => process.stop()))
        await closeSite(site.server)
        if (redis.kind === 'started') {
          await new Promise<void>((done) => {
            redis.child.once('exit', () => done())
            redis.child.kill('SIGTERM')
          })
        }
      })()
      return closing
    },
  }
}
