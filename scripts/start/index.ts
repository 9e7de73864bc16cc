/**
 * `npm start`: the site and a sandbox cluster on one machine.
 *
 * 1. find Redis (or start one, or go on without it and say so);
 * 2. build the site if it is missing or stale;
 * 3. serve the site, with `/sandbox.json` telling widgets where the instances are, and the
 *    lesson-4 "attacker" page on a second origin (another port);
 * 4. start the instances as supervised child processes joined through Redis.
 *
 * @module
 */
import { networkInterfaces } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Server } from 'node:http'
import type { SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'
import { serveAttacker } from './attacker.ts'
import { InstanceProcess } from './cluster.ts'
import { clusterConfigs, listenHost, type LauncherConfig } from './config.ts'
import { createFaultRoutes } from './faults.ts'
import { ensureRedis, REDIS_HELP, stopOwnedRedis, type RedisSource } from './redis.ts'
import { buildSite, serveSite, siteIsStale } from './site.ts'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface Workbook {
  siteUrl: string
  instances: InstanceProcess[]
  /** The Redis emitter process (lesson 3); `null` without Redis. */
  emitter: InstanceProcess | null
  redis: RedisSource
  directory: SandboxDirectory
  /** The instructor's secret (INSTRUCTOR_TOKEN, or generated at this start): main.ts prints it once, in a link's fragment. */
  instructorToken: string
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

const closeSite = (server: Server): Promise<void> =>
  new Promise((done) => {
    server.closeAllConnections()
    server.close(() => done())
  })

/**
 * Starts everything and resolves once the site and every instance listen.
 *
 * @example
 * const workbook = await startWorkbook(launcherConfigFromEnv(process.env), console.log)
 * console.log(workbook.siteUrl)
 */
export async function startWorkbook(config: LauncherConfig, log: (line: string) => void): Promise<Workbook> {
  const siteDir = config.siteDir ? resolve(config.siteDir) : join(ROOT, 'site', 'dist')
  if (!config.skipBuild && siteIsStale(ROOT, siteDir)) buildSite(ROOT, log)

  const redis: RedisSource =
    config.redisUrl === null
      ? { kind: 'none', url: 'off', reason: 'REDIS_URL=off' }
      : await ensureRedis(config.redisUrl, log, config.startRedis)
  const fanout: SandboxDirectory['fanout'] = redis.kind === 'none' ? 'local-only' : 'redis'

  const instances: InstanceProcess[] = []
  let emitter: InstanceProcess | null = null
  const processes = (): InstanceProcess[] => (emitter ? [...instances, emitter] : instances)
  const directory = (): SandboxDirectory => ({
    instances: instances.map((instance) => ({ id: instance.id, port: instance.port })),
    ...(emitter ? { emitter: { port: emitter.port } } : {}),
    ...(attacker ? { attacker: { port: attacker.port } } : {}),
    fanout,
  })
  let site: { server: Server; port: number } | null = null
  let attacker: { server: Server; port: number } | null = null
  let instructorToken = ''
  let origins: ReadonlySet<string> = new Set()
  // The routes read the secret, origins and processes once they exist (the site listens first: its port is in the origins).
  const routes = createFaultRoutes({
    secret: () => instructorToken || null,
    allowedOrigins: () => origins,
    instances: () => instances,
    redis,
    log,
  })
  try {
    site = await serveSite({ siteDir, port: config.sitePort, host: listenHost(config), directory, routes })
    attacker = await serveAttacker({ port: config.attackerPort, host: listenHost(config), directory })
    // Every process's configuration is validated here, before any starts.
    const configs = clusterConfigs(config, { sitePort: site.port, lanAddresses: lanAddresses() }, redis.kind === 'none' ? null : redis.url)
    instructorToken = configs.instructorToken
    origins = new Set(configs.instances[0]?.allowedOrigins ?? [])
    for (const instanceConfig of configs.instances)
      instances.push(new InstanceProcess(ROOT, { config: instanceConfig, restart: config }, log))
    if (configs.emitter) {
      const script = join('sandbox-server', 'src', 'emitter', 'main.ts')
      emitter = new InstanceProcess(ROOT, { config: configs.emitter, restart: config, script }, log)
    }
    await Promise.all(processes().map((process) => process.start()))
  } catch (error) {
    await Promise.all(processes().map((process) => process.stop()))
    if (site) await closeSite(site.server)
    if (attacker) await closeSite(attacker.server)
    await stopOwnedRedis(redis)
    throw error
  }

  if (redis.kind === 'none') {
    log(`[launcher] WARNING: Redis is not available: ${redis.reason}.`)
    log(`[launcher] The cluster runs WITHOUT cross-instance fan-out. ${REDIS_HELP}`)
  }

  const server = site.server
  const attackerServer = attacker.server
  let closing: Promise<void> | null = null
  return {
    siteUrl: `http://localhost:${site.port}`,
    instances,
    emitter,
    redis,
    directory: directory(),
    instructorToken,
    close: () => {
      closing ??= (async () => {
        await Promise.all(processes().map((process) => process.stop()))
        await closeSite(server)
        await closeSite(attackerServer)
        await stopOwnedRedis(redis)
      })()
      return closing
    },
  }
}
