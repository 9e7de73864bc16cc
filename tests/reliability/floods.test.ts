/**
 * A flood of spaces from one client address: every space a learner opens costs the instance
 * namespaces (one per widget namespace), so opening spaces must be bounded by the caps (namespaces
 * per Engine.IO connection x connections per address) and cost nothing once the sockets are gone
 * (`cleanupEmptyChildNamespaces`). Caps small here, so the flood is short and exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Manager, type Socket } from 'socket.io-client'
import type { SandboxServer } from '../../sandbox-server/src/index.ts'
import { spaceNamespace } from '../../sandbox-server/src/protocol/index.ts'
import { eventually, randomSpace, startCluster, stopAll } from '../../sandbox-server/test/harness.ts'

const CONNECTIONS = 3
const NAMESPACES = 4
let cluster: SandboxServer[] = []
let instance: SandboxServer
const managers: Manager[] = []

beforeAll(async () => {
  cluster = await startCluster(1, { maxConnectionsPerAddress: CONNECTIONS, maxNamespacesPerConnection: NAMESPACES })
  instance = cluster[0] as SandboxServer
})
afterAll(async () => {
  for (const manager of managers) manager.engine?.close()
  await stopAll(cluster)
})

/** Opens `/s/<new space>/chat` on `manager`: resolves 'connected' or the refusal's code. */
function openSpace(manager: Manager): Promise<{ socket: Socket; outcome: string }> {
  const socket = manager.socket(spaceNamespace(randomSpace(), '/chat'), { auth: { label: 'F' } })
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, outcome: 'connected' }))
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
      socket.disconnect()
      resolve({ socket, outcome: error.data?.code ?? error.message })
    })
  })
}

describe('a flood of spaces from one address', () => {
  it('is bounded by namespaces per connection x connections per address, and leaves no namespace behind once closed', async () => {
    const baseline = instance.io._nsps.size
    const outcomes: string[] = []
    const sockets: Socket[] = []
    for (let n = 0; n < CONNECTIONS + 1; n += 1) {
      const manager = new Manager(instance.url, { forceNew: true, transports: ['websocket'], reconnection: false })
      managers.push(manager)
      for (let k = 0; k < NAMESPACES + 1; k += 1) {
        const { socket, outcome } = await openSpace(manager)
        outcomes.push(outcome)
        if (outcome === 'connected') sockets.push(socket)
        if (outcome !== 'connected' && outcome !== 'NAMESPACE_LIMIT') break // the connection itself was refused
      }
    }
    expect(outcomes.filter((outcome) => outcome === 'connected')).toHaveLength(CONNECTIONS * NAMESPACES)
    expect(outcomes.filter((outcome) => outcome === 'NAMESPACE_LIMIT')).toHaveLength(CONNECTIONS)
    expect(outcomes.at(-1)).not.toBe('connected') // the connection past the cap opens nothing
    expect(instance.io._nsps.size).toBe(baseline + CONNECTIONS * NAMESPACES)

    sockets.forEach((socket) => socket.disconnect())
    managers.forEach((manager) => manager.engine?.close())
    await eventually(() => expect(instance.io._nsps.size).toBe(baseline), 5_000)
  })
})
