/**
 * Entry point of the emitter process (started by `npm start` beside the instances). Reads
 * PORT, HOST, REDIS_URL, SANDBOX_KEY_PREFIX and SANDBOX_ORIGINS like an instance does.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { Redis } from 'ioredis'
import { forgivingPublisher } from '../cluster/adapter.ts'
import { ConfigError, instanceConfigFromEnv, type InstanceConfig } from '../config/index.ts'
import { redisRetryStrategy } from '../redis/index.ts'
import { createEmitterApp } from './index.ts'

let config: InstanceConfig
try {
  config = instanceConfigFromEnv({ ...process.env, INSTANCE_ID: 'emitter' })
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(2)
}
if (!config.redisUrl) {
  console.error('[emitter] REDIS_URL=off: the emitter needs Redis; not starting')
  process.exit(2)
}

const redis = new Redis(config.redisUrl, {
  connectionName: `${config.keyPrefix}-emitter`,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: config.redisConnectTimeoutMs,
  retryStrategy: redisRetryStrategy(config),
})
let down = false
redis.on('error', () => {
  if (!down) console.warn('[emitter] redis down')
  down = true
})
redis.on('ready', () => {
  if (down) console.log('[emitter] redis ready')
  down = false
})
const app = createEmitterApp({
  redis: forgivingPublisher(redis),
  keyPrefix: config.keyPrefix,
  allowedOrigins: config.allowedOrigins,
  maxBodyBytes: config.maxBodyBytes,
})
const server = createAdaptorServer({ fetch: app.fetch }) as Server
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo
  console.log(`[emitter] listening on http://${config.host}:${port} (a Redis emitter, not a Socket.IO server)`)
  process.send?.({ type: 'listening', instanceId: 'emitter', port })
})
const stop = (): void => {
  server.close()
  redis.disconnect()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
process.on('disconnect', stop)
