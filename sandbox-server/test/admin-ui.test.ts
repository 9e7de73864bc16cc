/**
 * The official Socket.IO Admin UI on a real 3-instance cluster joined through the shared Redis:
 * refused logins (typed, logged without the password, the instance unharmed), the server list of
 * every instance through one connection, a login that holds on every instance, read-only actions
 * refused, its sockets counted as observers; off without a secret; a configured bcrypt hash.
 */
import { randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io as connect, type Socket } from 'socket.io-client'
import { startSandboxServer, type SandboxServer, type StartOptions } from '../src/index.ts'
import { ADMIN_UI_NAMESPACE, ADMIN_UI_USERNAME } from '../src/protocol/index.ts'
import { eventually, inOneRateWindow, playgroundClient, randomSpace, SHARED_REDIS_URL, uniquePrefix, type TestClient } from './harness.ts'

const SECRET = randomBytes(32).toString('base64url')

interface ServerStats {
  serverId: string
  namespaces: { name: string; socketsCount: number }[]
  aggregatedEvents: { timestamp: number; type: string; count: number }[]
}

/** An Admin UI connection as the UI opens it, with what it received. */
interface AdminClient {
  socket: Socket
  stats: ServerStats[]
  session: string[]
  config: { supportedFeatures: string[] }[]
  /** `connect` and `session`, in the order the client emitted them. */
  order: string[]
}

const opened: Socket[] = []

function adminClient(instance: SandboxServer, auth: Record<string, unknown>): AdminClient {
  const socket = connect(`${instance.url}${ADMIN_UI_NAMESPACE}`, { forceNew: true, transports: ['websocket'], reconnection: false, auth })
  opened.push(socket)
  const client: AdminClient = { socket, stats: [], session: [], config: [], order: [] }
  socket.on('server_stats', (stats: ServerStats) => client.stats.push(stats))
  socket.on('connect', () => client.order.push('connect'))
  socket.on('session', (id: string) => {
    client.session.push(id)
    client.order.push('session')
  })
  socket.on('config', (config: { supportedFeatures: string[] }) => client.config.push(config))
  return client
}

/** Resolves on `connect`, or with the refusal's `{ message, code }`. */
function outcome(client: AdminClient): Promise<'connected' | { message: string; code: unknown }> {
  return new Promise((resolve) => {
    client.socket.once('connect', () => resolve('connected'))
    client.socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) =>
      resolve({ message: error.message, code: error.data?.code }),
    )
  })
}

async function startInstances(
  count: number,
  options: StartOptions,
  logs: string[][],
  keyPrefix = uniquePrefix(),
): Promise<SandboxServer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, index) => {
      const lines: string[] = []
      logs.push(lines)
      return startSandboxServer({
        redisUrl: SHARED_REDIS_URL,
        logFormat: 'json',
        ...options,
        instanceId: `i${index + 1}`,
        port: 0,
        keyPrefix,
        log: (line) => lines.push(line),
      })
    }),
  )
}

describe('the Admin UI on a 3-instance cluster (instructor secret)', () => {
  let cluster: SandboxServer[] = []
  const logs: string[][] = []
  const learners: TestClient[] = []
  const at = (index: number): SandboxServer => cluster[index] ?? (cluster[0] as SandboxServer)

  beforeAll(async () => {
    cluster = await startInstances(3, { instructorToken: SECRET, adminUiLoginsPerSecond: 1_000 }, logs)
  })
  afterAll(async () => {
    for (const socket of opened) socket.disconnect()
    for (const learner of learners) learner.socket.disconnect()
    await Promise.all(cluster.map((instance) => instance.close()))
  })

  it('refuses a missing, wrong or malformed login with INSTRUCTOR_UNAUTHORIZED, logs it without the password, keeps running', async () => {
    const attempts: Record<string, unknown>[] = [
      {},
      { username: ADMIN_UI_USERNAME, password: 'not-the-secret-at-all' },
      { username: 'admin', password: SECRET },
      { username: ADMIN_UI_USERNAME, password: 42 },
      { username: ADMIN_UI_USERNAME },
      { sessionId: 'ffffffffffffffff' },
      { sessionId: { $gt: '' } },
    ]
    for (const auth of attempts) {
      const result = await outcome(adminClient(at(0), auth))
      expect(result, JSON.stringify(auth)).toEqual({ message: 'invalid credentials', code: 'INSTRUCTOR_UNAUTHORIZED' })
    }
    expect((await fetch(`${at(0).url}/healthz`)).status).toBe(200)
    const refusals = (logs[0] ?? []).filter((line) => line.includes('INSTRUCTOR_UNAUTHORIZED'))
    expect(refusals.length).toBeGreaterThan(0)
    expect(JSON.parse(refusals[0] ?? '{}')).toMatchObject({ code: 'INSTRUCTOR_UNAUTHORIZED', namespace: ADMIN_UI_NAMESPACE })
    const everything = logs.flat().join('\n')
    expect(everything).not.toContain('not-the-secret-at-all')
    expect(everything).not.toContain(SECRET)
  })

  it('with the secret: read-only, production mode, the stats of i1, i2 and i3, and a learner namespace', async () => {
    const space = randomSpace()
    learners.push(await playgroundClient(at(1), space, '/chat', 'A'))
    const admin = adminClient(at(0), { username: ADMIN_UI_USERNAME, password: SECRET })
    expect(await outcome(admin)).toBe('connected')
    await eventually(() => expect(admin.config).toEqual([{ supportedFeatures: ['AGGREGATED_EVENTS'] }]))
    expect(admin.session[0]).toMatch(/^[0-9a-f]{16}$/)
    // After the connection: the UI only listens for `session` once connected (else it never keeps it).
    expect(admin.order).toEqual(['connect', 'session'])
    await eventually(() => expect(new Set(admin.stats.map((stats) => stats.serverId))).toEqual(new Set(['i1', 'i2', 'i3'])), 6_000)
    const fromI2 = admin.stats.filter((stats) => stats.serverId === 'i2').at(-1)
    expect(fromI2?.namespaces).toContainEqual({ name: `/s/${space}/chat`, socketsCount: 1 })
    // Traffic figures per second (the cheaper event buffer): at least the learner's connection.
    await eventually(
      () => expect(admin.stats.flatMap((stats) => stats.aggregatedEvents.map((event) => event.type))).toContain('packetsOut'),
      6_000,
    )
  })

  it('a login made on i1 holds on i3 (the session is in Redis)', async () => {
    const first = adminClient(at(0), { username: ADMIN_UI_USERNAME, password: SECRET })
    expect(await outcome(first)).toBe('connected')
    await eventually(() => expect(first.session).toHaveLength(1))
    const again = adminClient(at(2), { sessionId: first.session[0] })
    expect(await outcome(again)).toBe('connected')
    expect(again.session).toEqual([])
  })

  it('read-only: disconnect, emit and join are ignored and logged as refused', async () => {
    const space = randomSpace()
    const learner = await playgroundClient(at(0), space, '/chat', 'B')
    learners.push(learner)
    const received: unknown[] = []
    learner.socket.on('admin-said', (payload: unknown) => received.push(payload))
    const admin = adminClient(at(0), { username: ADMIN_UI_USERNAME, password: SECRET })
    expect(await outcome(admin)).toBe('connected')
    admin.socket.emit('emit', `/s/${space}/chat`, null, 'admin-said', 'hello')
    admin.socket.emit('join', `/s/${space}/chat`, 'captured', null)
    admin.socket.emit('_disconnect', `/s/${space}/chat`, true, null)
    // The instance handles one socket's events in order: once the last one is logged, all ran.
    const refused = (): string[] => (logs[0] ?? []).filter((line) => line.includes('refused an Admin UI action'))
    await eventually(() => expect(refused().some((line) => line.includes('"_disconnect"'))).toBe(true))
    expect(learner.socket.connected).toBe(true)
    expect(received).toEqual([])
    const [socket] = await at(0).io.of(`/s/${space}/chat`).fetchSockets()
    expect(socket?.rooms.has('captured')).toBe(false)
  })

  it('counts Admin UI sockets as observers, under their own metrics kind', async () => {
    const before = ((await (await fetch(`${at(2).url}/healthz`)).json()) as { observers: number }).observers
    const admin = adminClient(at(2), { username: ADMIN_UI_USERNAME, password: SECRET })
    expect(await outcome(admin)).toBe('connected')
    const health = (await (await fetch(`${at(2).url}/healthz`)).json()) as { observers: number }
    expect(health.observers).toBe(before + 1)
    const metrics = await (await fetch(`${at(2).url}/metrics`)).text()
    expect(metrics).toMatch(/socketio_connected_sockets\{namespace="admin-ui"\} [1-9]/)
  })
})

describe('the Admin UI off or on a configured hash', () => {
  const instances: SandboxServer[] = []
  afterAll(async () => {
    for (const socket of opened) socket.disconnect()
    await Promise.all(instances.map((instance) => instance.close()))
  })

  it('does not exist without a secret or a hash', async () => {
    const [instance] = await startInstances(1, { instructorToken: null }, [])
    if (!instance) throw new Error('no instance')
    instances.push(instance)
    expect(await outcome(adminClient(instance, { username: ADMIN_UI_USERNAME, password: SECRET }))).toMatchObject({
      message: 'Invalid namespace',
    })
  })

  it('limits logins per client address (default 5 per second): RATE_LIMITED beyond', async () => {
    const keyPrefix = uniquePrefix()
    const [instance] = await startInstances(1, { instructorToken: SECRET }, [], keyPrefix)
    if (!instance) throw new Error('no instance')
    instances.push(instance)
    const attempts = (): Promise<Awaited<ReturnType<typeof outcome>>[]> =>
      Promise.all(Array.from({ length: 8 }, () => outcome(adminClient(instance, { username: 'x', password: 'y' }))))
    const { result: results, consumed } = await inOneRateWindow(`${keyPrefix}:rl:admin-ui:addr:127.0.0.1`, attempts)
    expect(consumed).toBe(8)
    const codes = results.map((result) => (typeof result === 'string' ? result : result.code))
    expect(codes.filter((code) => code === 'INSTRUCTOR_UNAUTHORIZED')).toHaveLength(5)
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(3)
  })

  it('accepts the password of ADMIN_UI_PASSWORD_HASH, without Redis (sessions in memory)', async () => {
    const hash = bcrypt.hashSync('a class password', 4)
    const [instance] = await startInstances(1, { instructorToken: null, adminUiPasswordHash: hash, redisUrl: null }, [])
    if (!instance) throw new Error('no instance')
    instances.push(instance)
    expect(await outcome(adminClient(instance, { username: ADMIN_UI_USERNAME, password: 'a class password' }))).toBe('connected')
    expect(await outcome(adminClient(instance, { username: ADMIN_UI_USERNAME, password: SECRET }))).toMatchObject({
      code: 'INSTRUCTOR_UNAUTHORIZED',
    })
  })
})
