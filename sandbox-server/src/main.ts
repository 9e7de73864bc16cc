/**
 * Entry point of one instance process: configuration from the environment (see ENV_NAMES in
 * config), then listen. When started by the launcher (an IPC channel exists), it reports its
 * port to the launcher and exits when the launcher goes away, so no instance is ever orphaned.
 */
import { ConfigError, instanceConfigFromEnv, type InstanceConfig } from './config/index.ts'
import { startSandboxServer } from './server/index.ts'

let config: InstanceConfig
try {
  config = instanceConfigFromEnv(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(`${error.message}\nSee sandbox-server/README.md for every variable and its default.`)
  process.exit(2)
}

const instance = await startSandboxServer(config)
const { logger } = instance
logger.info(
  { url: instance.url, reason: config.redisUrl ? `fan-out through redis, prefix "${config.keyPrefix}"` : 'fan-out off' },
  'listening',
)
process.send?.({ type: 'listening', instanceId: config.instanceId, port: instance.port })

let stopping = false
async function stop(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  logger.info({ reason: signal }, 'closing')
  const timer = setTimeout(() => process.exit(0), 3_000)
  timer.unref()
  await instance.close().catch(() => undefined)
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))
process.on('disconnect', () => void stop('launcher gone'))
// The instructor's "drain" (through the launcher): clients are told by their transport closing and
// reconnect; the launcher restarts this process once it exits.
process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'drain' || stopping) return
  stopping = true
  const timer = setTimeout(() => process.exit(0), 3_000)
  timer.unref()
  void instance
    .drain()
    .catch(() => undefined)
    .then(() => process.exit(0))
})
// The launcher or a benchmark may ask for memory figures (after a GC when run with --expose-gc).
process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'memory') return
  ;(globalThis as { gc?: () => void }).gc?.()
  const { heapUsed, rss } = process.memoryUsage()
  process.send?.({ type: 'memory', heapUsed, rss, sockets: instance.io.engine.clientsCount })
})
// Last line of defence: a promise some library left unhandled must not take the instance down.
process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason }, 'unhandled rejection (instance kept running)')
})
