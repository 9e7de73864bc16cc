/**
 * The contract scenarios against 3 real instances on port 0, joined through the shared Redis
 * under a key prefix of their own, reached through the real socket.io connector in Node: the
 * connector's `fetch` serves the directory (`/sandbox.json`) the launcher would serve.
 */
import { io } from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest'
import type { SandboxServer } from '../../sandbox-server/src/index.ts'
import { eventually, randomSpace, startCluster, stopAll } from '../../sandbox-server/test/harness.ts'
import type { SandboxDirectory } from '../../site/src/sandbox/protocol.ts'
import { createSocketIoConnector } from '../../site/src/sandbox/socketio-connector.ts'
import { createKit, type Kit, type World } from './kit.ts'
import { scenarios } from './scenarios.ts'

const SITE = 'http://127.0.0.1:4321'
let cluster: SandboxServer[] = []

/** Serves `/sandbox.json` for `cluster`; every other request goes to the network (loopback). */
const directoryFetch: typeof fetch = async (input, init) => {
  if (String(input) !== `${SITE}/sandbox.json`) return fetch(input, init)
  const body: SandboxDirectory = { instances: cluster.map((i) => ({ id: i.config.instanceId, port: i.port })), fanout: 'redis' }
  return Response.json(body)
}

const world: World = {
  connector: createSocketIoConnector(io, { location: { protocol: 'http:', hostname: '127.0.0.1', origin: SITE }, fetch: directoryFetch }),
  get limits() {
    const config = cluster[0]?.config
    if (!config) throw new Error('the cluster is not started')
    return config
  },
  newSpace: randomSpace,
}

beforeAll(async () => {
  cluster = await startCluster(3)
  await eventually(() => {
    if (cluster.some((instance) => instance.fanout() !== 'redis')) throw new Error('Redis is not ready on every instance yet')
  }, 10_000)
})
afterAll(() => stopAll(cluster))

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
