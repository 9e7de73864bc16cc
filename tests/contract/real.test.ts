/**
 * The contract scenarios against 3 real instances on port 0, joined through the shared Redis
 * under a key prefix of their own, reached through the real socket.io connector in Node: the
 * connector's `fetch` serves the directory (`/sandbox.json`) the launcher would serve.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { io } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest'
import { createEmitterApp, type SandboxServer } from '@realtime-workbook/sandbox-server'
import { eventually, randomSpace, SHARED_REDIS_URL, startCluster, stopAll } from '../../sandbox-server/test/harness.ts'
import type { SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'
import { createSecureConnector } from '../../site/src/sandbox/secure-client.ts'
import { createSocketIoConnector } from '../../site/src/sandbox/socketio-connector.ts'
import { projectorKey } from '@realtime-workbook/sandbox-server/instructor'
import { createClassesApi } from '../../site/src/widgets/instructor/classes-api.ts'
import { classScenarios } from './classes-scenarios.ts'
import { createKit, type Kit, type World } from './kit.ts'
import { scenarios } from './scenarios.ts'

const SITE = 'http://127.0.0.1:4321'
/** The emitter app is served in-process: this port is only its name in the directory. */
const EMITTER_PORT = 1
let cluster: SandboxServer[] = []
/** The instructor's secret of this cluster (the launcher gives every instance the same). */
const INSTRUCTOR_SECRET = randomBytes(32).toString('base64url')
let emitterRedis: Redis | null = null
let emitterApp: ReturnType<typeof createEmitterApp> | null = null

/**
 * What a page's `fetch` reaches: the directory the launcher serves for `cluster`, the emitter,
 * and (everything else) the instances themselves on loopback.
 */
const siteFetch: typeof fetch = async (input, init) => {
  const url = new URL(String(input))
  if (url.href === `${SITE}/sandbox.json`) {
    const body: SandboxDirectory = {
      instances: cluster.map((i) => ({ id: i.config.instanceId, port: i.port })),
      emitter: { port: EMITTER_PORT },
      fanout: 'redis',
    }
    return Response.json(body)
  }
  if (url.port === String(EMITTER_PORT) && emitterApp) return emitterApp.request(url.pathname, init)
  return fetch(input, init)
}

const location = { protocol: 'http:', hostname: '127.0.0.1', origin: SITE }
const world: World = {
  connector: createSocketIoConnector(io, { location, fetch: siteFetch }),
  secure: createSecureConnector({ io, location, fetch: siteFetch }),
  fetch: siteFetch,
  get limits() {
    const config = cluster[0]?.config
    if (!config) throw new Error('the cluster is not started')
    return config
  },
  newSpace: randomSpace,
}

beforeAll(async () => {
  // One token key for the cluster, as the launcher gives one: any instance verifies any token.
  cluster = await startCluster(3, { tokenSecret: randomBytes(32).toString('base64url'), instructorToken: INSTRUCTOR_SECRET })
  emitterRedis = new Redis(SHARED_REDIS_URL)
  emitterApp = createEmitterApp({ redis: emitterRedis, keyPrefix: cluster[0]?.config.keyPrefix ?? '', allowedOrigins: [SITE] })
  await eventually(() => {
    if (cluster.some((instance) => instance.fanout() !== 'redis')) throw new Error('Redis is not ready on every instance yet')
  }, 10_000)
})
afterAll(async () => {
  await stopAll(cluster)
  emitterRedis?.disconnect()
})

describe('contract: real instances through Redis', () => {
  let kit: Kit | null = null
  afterEach(() => kit?.close())
  for (const scenario of scenarios) {
    it(scenario.name, { timeout: scenario.timeoutMs ?? 15_000 }, async () => {
      kit = await createKit(world)
      await scenario.run(kit)
    })
  }
})

describe("contract: the console's classes on real instances", () => {
  // Each call on a different instance: classes live in Redis, any instance answers.
  let next = 0
  const base = (): string => cluster[next++ % cluster.length]?.url ?? ''
  const api = () => createClassesApi({ base, key: INSTRUCTOR_SECRET })
  const projector = () => createClassesApi({ base, key: projectorKey(INSTRUCTOR_SECRET) })
  for (const scenario of classScenarios)
    it(scenario.name, () => scenario.run({ api: api(), projector: projector(), maxClasses: cluster[0]?.config.maxClasses ?? 0 }))
})
