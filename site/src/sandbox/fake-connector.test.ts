/**
 * What only the fake does: test switches (offline, instances down, forced connect errors, a
 * smaller space cap), fan-out states the contract's real cluster does not run in (no Redis,
 * Redis down), and its `fetch` for Engine.IO polling. Everything the server also does (routing,
 * rooms, caps, errors, cluster calls, outage, traces) is proven against real instances by the
 * contract suite in `tests/contract`, which runs the same scenarios on this fake.
 */
import { describe, expect, it } from 'vitest'
import type { SandboxInstance } from './connector.ts'
import { createFakeConnector } from './fake-connector.ts'
import type { FanoutState, LearnerNamespace, MessageEvent } from '@realtime-workbook/sandbox-server/protocol'

const tick = () => new Promise((r) => setTimeout(r, 0))
const settle = async () => {
  for (let n = 0; n < 5; n++) await tick()
}

async function cluster(options: { fanout?: FanoutState; maxSocketsPerSpace?: number } = {}) {
  const fake = createFakeConnector(options)
  const dir = await fake.directory()
  const inst = (n: number) => dir.instances[n - 1] as SandboxInstance
  const inbox = new Map<string, MessageEvent[]>()
  const failures = new Map<string, string>()
  const client = (label: string, n: number, namespace: LearnerNamespace = '/chat', space = 'aaaaaa') => {
    const c = fake.connectClient({ instance: inst(n), namespace, label, space })
    inbox.set(label, [])
    c.on('message', (m) => inbox.get(label)?.push(m))
    c.on('connect_error', (f) => failures.set(label, f.code))
    return c
  }
  return { fake, dir, inst, inbox, failures, client }
}

describe('fake connector', () => {
  it('without Redis, only reaches sockets on the sender instance; the directory lists no emitter', async () => {
    const { dir, client, inbox } = await cluster({ fanout: 'local-only' })
    expect(dir).toMatchObject({ fanout: 'local-only' })
    expect(dir.emitter).toBeUndefined()
    const a = client('A', 1)
    client('B', 1)
    client('C', 2)
    await settle()
    await a.request('send', { call: 'socket.broadcast.emit', rooms: [], text: 'x' })
    await settle()
    expect(inbox.get('B')).toHaveLength(1)
    expect(inbox.get('C')).toEqual([])
  })

  it('with Redis down, delivers locally only and cluster requests on /with-redis fail with CLUSTER_TIMEOUT', async () => {
    const { fake, inst, client, inbox } = await cluster({ fanout: 'redis-down' })
    const a = client('A', 1, '/with-redis')
    client('L', 1, '/with-redis')
    client('B', 2, '/with-redis')
    await settle()
    await a.request('send', { call: 'io.emit', rooms: [], text: 'x' })
    await settle()
    expect([inbox.get('L')?.length, inbox.get('B')?.length]).toEqual([1, 0])
    expect(await a.request('cluster:fetch-sockets', {})).toMatchObject({ error: { code: 'CLUSTER_TIMEOUT' } })
    expect(await fake.health(inst(1))).toMatchObject({ fanout: 'redis-down', redis: 'down', sockets: 2, spaces: 1 })
  })

  it('keeps the maxSocketsPerSpace option, per instance', async () => {
    const { client, failures } = await cluster({ maxSocketsPerSpace: 2 })
    for (const label of ['A', 'B', 'C']) client(label, 1)
    client('D', 2)
    await settle()
    expect([...failures]).toEqual([['C', 'SPACE_FULL']])
  })

  it('fails connections with a code', async () => {
    const { fake, dir, client, failures } = await cluster()
    fake.failConnectWith = 'FORBIDDEN_ORIGIN'
    client('A', 1)
    await settle()
    fake.failConnectWith = null
    fake.down.add('i2')
    client('B', 2)
    await settle()
    expect([...failures]).toEqual([
      ['A', 'FORBIDDEN_ORIGIN'],
      ['B', 'CONNECT_FAILED'],
    ])
    await expect(fake.health(dir.instances[1] as SandboxInstance)).rejects.toThrow()
  })

  it('answers Engine.IO polling requests on the instance that holds the session only', async () => {
    const { fake } = await cluster()
    const hs = await (await fake.fetch('http://localhost:4001/socket.io/?EIO=4&transport=polling')).text()
    const sid = JSON.parse(hs.slice(1)).sid as string
    expect((await fake.fetch(`http://localhost:4002/socket.io/?EIO=4&transport=polling&sid=${sid}`)).status).toBe(400)
    expect((await fake.fetch(`http://localhost:4001/socket.io/?EIO=4&transport=polling&sid=${sid}`)).status).toBe(200)
    const notJson = await fake.fetch('http://localhost:4004/emit', { method: 'POST', body: '{' })
    expect([notJson.status, await notJson.json()]).toEqual([400, { error: { code: 'INVALID_PAYLOAD', message: 'the body must be JSON' } }])
  })

  it('is offline on demand', async () => {
    const fake = createFakeConnector({ offline: true })
    await expect(fake.directory()).rejects.toThrow()
  })
})
