/**
 * Several hosts on one machine (issue 12): two instance hosts and a Redis host as network
 * namespaces on a bridge (or loopback addresses when namespaces are unavailable; the test says
 * so once), the repository's nginx configuration run by Debian's nginx in front (TLS included),
 * and a pool of Node socket.io-client sockets, each from its own source address.
 *
 * Promises checked: the site, `/sandbox.json` and each instance's own port are served; through
 * the sticky upstream, polling then upgrade works with no "Session ID unknown" (no 400 at all);
 * with the hash line removed (round robin) the 400s of lesson 3 appear at the real nginx; a
 * broadcast crosses hosts through Redis; the instances, trusting nginx's address
 * (SANDBOX_TRUSTED_PROXIES = proxyAddress), see each client's own address, never a forged one;
 * stopping one host's instances makes its clients reconnect through nginx to the other host.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request as httpsRequest } from 'node:https'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io, type Socket } from 'socket.io-client'
import {
  isSandboxDirectory,
  isHealthBody,
  resilienceNamespace,
  RESILIENCE_PATH,
  spaceNamespace,
  type HelloEvent,
  type LabMessageEvent,
  type MessageEvent,
} from '@realtime-workbook/sandbox-server/protocol'
import { eventually, randomSpace, uniquePrefix } from '../../sandbox-server/test/harness.ts'
import { redisAclUser } from '../../scripts/deploy/index.ts'
import { createTopology, freePortOn, portOn, type Host } from './topology.ts'
import { makeCertificate, startInstance, startNginx, startRedis, stopChild, type Started } from './processes.ts'

const topology = createTopology()
console.log(topology.description)
const dir = mkdtempSync(join(tmpdir(), 'rtwb-deploy-'))
const started: Started[] = []
const INSTANCES_PER_HOST = 2

interface Backend {
  id: string
  host: Host
  port: number
  process: Started | null
}
interface Balancer {
  address: string
  httpPort: number
  httpsPort: number
  /** Each instance's own public port on this nginx (what its `/sandbox.json` lists). */
  publicPorts: Map<string, number>
  accessLog: string
  origin: string
}
interface PoolClient {
  socket: Socket
  address: string
  hellos: HelloEvent[]
  received: MessageEvent[]
  errors: string[]
}

const backends: Backend[] = []
let sticky: Balancer
let roundRobin: Balancer
let ca = ''
const space = randomSpace()
const pool: PoolClient[] = []
const instructorToken = randomBytes(30).toString('base64url')

/** One HTTP(S) request from `localAddress`; resolves with status, Location and body. */
function fetchFrom(
  url: string,
  localAddress: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; location: string; body: string }> {
  const secure = url.startsWith('https:')
  const options = {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    localAddress,
    ...(secure ? { ca, agent: false as const } : {}),
  }
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? ''), body }))
    })
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${url}`)))
    req.once('error', reject)
    req.end(init.body)
  })
}

/** Starts 2 instances per host, joined by the Redis on the Redis host (one key prefix for the run). */
async function startBackends(origins: string[]): Promise<void> {
  const redisPort = await portOn(topology.redisHost, 6379)
  const prefix = uniquePrefix()
  const password = randomBytes(24).toString('base64url')
  const aclFile = join(dir, 'users.acl')
  writeFileSync(aclFile, `user default off\n${redisAclUser({ user: 'rtwb', keyPrefix: prefix, password })}\n`)
  started.push(await startRedis(topology.redisHost, redisPort, aclFile))
  for (const [h, host] of topology.instanceHosts.entries())
    for (let n = 1; n <= INSTANCES_PER_HOST; n++)
      backends.push({ id: `h${h + 1}-i${n}`, host, port: await portOn(host, 4000 + n), process: null })
  await Promise.all(
    backends.map(async (backend) => {
      backend.process = await startInstance(backend.host, {
        INSTANCE_ID: backend.id,
        PORT: String(backend.port),
        REDIS_URL: `redis://rtwb:${password}@${topology.redisHost.address}:${redisPort}`,
        SANDBOX_KEY_PREFIX: prefix,
        SANDBOX_ORIGINS: origins.join(','),
        INSTRUCTOR_TOKEN: instructorToken,
        // Both balancers (nginx binds to its listen address: proxyAddress below), nobody else.
        SANDBOX_TRUSTED_PROXIES: [...new Set(topology.balancerAddresses)].join(','),
      })
      started.push(backend.process)
    }),
  )
}

/** Free ports on `address` for one nginx: HTTP, HTTPS, then one per instance (none of `taken`). */
async function balancerPorts(address: string, taken: number[] = []): Promise<number[]> {
  const ports: number[] = []
  const wanted = 2 + topology.instanceHosts.length * INSTANCES_PER_HOST
  for (let attempt = 0; ports.length < wanted; attempt++) {
    if (attempt > 100) throw new Error(`no ${wanted} free ports on ${address}`)
    const port = await freePortOn(address)
    if (!ports.includes(port) && !taken.includes(port)) ports.push(port)
  }
  return ports
}

/** nginx on the repository's configuration at `address`; `stickyHash: false` removes the hash line. */
async function startBalancer(
  name: string,
  address: string,
  ports: number[],
  stickyHash: boolean,
  tls: { cert: string; key: string },
): Promise<Balancer> {
  const [httpPort = 0, httpsPort = 0, ...instancePorts] = ports
  const publicPorts = new Map(backends.map((b, n) => [b.id, instancePorts[n] ?? 0]))
  const nginx = await startNginx(join(dir, name), {
    serverName: address,
    listenAddress: address,
    proxyAddress: address,
    httpPort,
    httpsPort,
    tlsCertificate: tls.cert,
    tlsCertificateKey: tls.key,
    siteRoot: join(dir, 'site'),
    instances: backends.map((b) => ({ id: b.id, address: `${b.host.address}:${b.port}`, publicPort: publicPorts.get(b.id) ?? 0 })),
    sticky: stickyHash,
  })
  started.push(nginx)
  return { address, httpPort, httpsPort, publicPorts, accessLog: nginx.accessLog, origin: `https://${address}:${httpsPort}` }
}

/** Opens one pool client from `address` through `balancer` (polling first, then upgrade). */
function connectClient(balancer: Balancer, address: string, label: string, reconnection = true): PoolClient {
  const agent = new Agent({ localAddress: address, ca, keepAlive: true })
  const socket = io(`${balancer.origin}${spaceNamespace(space, '/chat')}`, {
    forceNew: true,
    agent: agent as unknown as string, // engine.io-client types `agent` as string | boolean; Node takes an Agent
    ca,
    localAddress: address,
    extraHeaders: { origin: sticky.origin },
    auth: { label },
    reconnection,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1_000,
  } as Parameters<typeof io>[1])
  const client: PoolClient = { socket, address, hellos: [], received: [], errors: [] }
  socket.on('hello', (hello: HelloEvent) => client.hellos.push(hello))
  socket.on('message', (message: MessageEvent) => client.received.push(message))
  socket.on('connect_error', (error) => client.errors.push(error.message))
  return client
}

const lastInstance = (client: PoolClient): string => client.hellos.at(-1)?.instance ?? ''
const statusLines = (log: string, status: number): string[] =>
  readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.includes('/socket.io/') && line.includes(`" ${status} `))

beforeAll(async () => {
  const [a, b] = topology.balancerAddresses
  chmodSync(dir, 0o755) // nginx's workers (www-data when run as root) read the site and the config under it
  mkdirSync(join(dir, 'site'))
  writeFileSync(join(dir, 'site', 'index.html'), '<!doctype html><title>rtwb deploy test</title><p>rtwb-site-marker</p>')
  const tls = makeCertificate(dir, [...new Set([a, b])])
  ca = readFileSync(tls.cert, 'utf8')
  // The instances must know the page origin (nginx's HTTPS port) before nginx starts: ports first.
  const stickyPorts = await balancerPorts(a)
  const roundRobinPorts = await balancerPorts(b, a === b ? stickyPorts : [])
  await startBackends([`https://${a}:${stickyPorts[1]}`])
  sticky = await startBalancer('sticky', a, stickyPorts, true, tls)
  roundRobin = await startBalancer('round-robin', b, roundRobinPorts, false, tls)
  const from = topology.clientAddresses[0] ?? a
  await eventually(async () => expect((await fetchFrom(`${sticky.origin}/`, from)).status).toBe(200), 10_000, 100)
  await eventually(async () => expect((await fetchFrom(`${roundRobin.origin}/`, from)).status).toBe(200), 10_000, 100)
}, 240_000)

afterAll(async () => {
  for (const client of pool) client.socket.close()
  await Promise.all(started.map((process) => stopChild(process.child)))
  topology.destroy()
  rmSync(dir, { recursive: true, force: true })
}, 30_000)

describe(`several hosts behind the repository's nginx (${topology.kind})`, () => {
  it('serves the site, /sandbox.json naming each instance by its port, each instance on its port, and redirects HTTP to HTTPS', async () => {
    const from = topology.clientAddresses[0] ?? sticky.address
    expect((await fetchFrom(`${sticky.origin}/`, from)).body).toContain('rtwb-site-marker')
    const directory: unknown = JSON.parse((await fetchFrom(`${sticky.origin}/sandbox.json`, from)).body)
    expect(isSandboxDirectory(directory) && directory.instances).toEqual(
      backends.map((b) => ({ id: b.id, port: sticky.publicPorts.get(b.id) })),
    )
    for (const backend of backends) {
      const health: unknown = JSON.parse(
        (await fetchFrom(`https://${sticky.address}:${sticky.publicPorts.get(backend.id)}/healthz`, from)).body,
      )
      expect(isHealthBody(health) && [health.instance, health.redis]).toEqual([backend.id, 'ready'])
    }
    const redirect = await fetchFrom(`http://${sticky.address}:${sticky.httpPort}/lessons/?x=1`, from)
    expect([redirect.status, redirect.location]).toEqual([301, `https://${sticky.address}/lessons/?x=1`])
  })

  it('sticky: a pool from 16 addresses connects by polling, upgrades to WebSocket, and never meets "Session ID unknown"', async () => {
    for (const [n, address] of topology.clientAddresses.entries()) pool.push(connectClient(sticky, address, `c${n + 1}`))
    await eventually(
      () => {
        for (const client of pool) expect(client.socket.io.engine?.transport.name).toBe('websocket')
        for (const client of pool) expect(client.hellos.length).toBe(1)
      },
      20_000,
      50,
    )
    expect(pool.flatMap((client) => client.errors)).toEqual([])
    expect(statusLines(sticky.accessLog, 400)).toEqual([])
    // The hash spreads addresses over both hosts, and a broadcast crosses them through Redis.
    const hosts = new Set(pool.map((client) => lastInstance(client).slice(0, 2)))
    expect([...hosts].sort()).toEqual(['h1', 'h2'])
    await pool[0]?.socket.timeout(5_000).emitWithAck('send', { call: 'io.emit', text: 'across hosts' })
    await eventually(() => {
      for (const client of pool) expect(client.received.map((m) => m.text)).toContain('across hosts')
    }, 5_000)
    // A session's requests, sent by hand: every one reaches the instance that made it.
    const from = topology.clientAddresses[0] ?? sticky.address
    expect(await pollingStatuses(sticky, from)).toEqual([200, 200, 200, 200, 200, 200])
  }, 40_000)

  it("the instances see each client's own address through nginx (X-Forwarded-For from a trusted proxy), never a forged one", async () => {
    const froms = topology.clientAddresses.slice(3, 5)
    for (const from of froms) {
      const refused = await fetchFrom(`${sticky.origin}/socket.io/?EIO=4&transport=polling`, from, {
        headers: { origin: 'https://evil.example', 'x-forwarded-for': '6.6.6.6' },
      })
      expect(refused.status).toBe(403)
    }
    const refusals = (): unknown[] =>
      backends
        .flatMap((b) => (b.process?.output() ?? '').split('\n'))
        .filter((line) => line.includes('"code":"FORBIDDEN_ORIGIN"'))
        .map((line) => (JSON.parse(line) as { address?: unknown }).address)
    await eventually(() => expect(refusals().sort()).toEqual([...froms].sort()), 5_000, 50)
  })

  it('round robin (the hash line removed): the real nginx answers 400 "Session ID unknown", lesson 3\'s failure', async () => {
    const from = topology.clientAddresses[1] ?? roundRobin.address
    const statuses = await pollingStatuses(roundRobin, from)
    expect(statuses).toContain(400)
    const clients = topology.clientAddresses.slice(0, 4).map((address, n) => connectClient(roundRobin, address, `rr${n + 1}`, false))
    try {
      await eventually(
        () => expect(statusLines(roundRobin.accessLog, 400).length).toBeGreaterThan(statuses.filter((s) => s === 400).length),
        10_000,
        100,
      )
    } finally {
      for (const client of clients) client.socket.close()
    }
  }, 20_000)

  it("the ACL user is enough: a class (Lua scripts), the shared rate limit and lesson 5's Streams adapter through nginx; no NOPERM in any log", async () => {
    const from = topology.clientAddresses[2] ?? sticky.address
    const json = { origin: sticky.origin, 'content-type': 'application/json' }
    const created = await fetchFrom(`${sticky.origin}/instructor/classes`, from, {
      method: 'POST',
      body: '{}',
      headers: { ...json, authorization: `Bearer ${instructorToken}` },
    })
    expect(created.status, created.body).toBe(201)
    // 30 at once: more than the 20 per second one address may ask, whatever the machine's speed.
    const token = (): Promise<number> =>
      fetchFrom(`${sticky.origin}/s/${space}/token`, from, { method: 'POST', body: '{"name":"ada","role":"learner"}', headers: json }).then(
        (answer) => answer.status,
      )
    const statuses = await Promise.all(Array.from({ length: 30 }, token))
    expect(statuses).toContain(200)
    expect(statuses).toContain(429)
    // Lesson 5's Streams adapter (XADD / XREAD) through /resilience/, from a client on each host.
    const [a, b] = [pool.find((c) => lastInstance(c).startsWith('h1')), pool.find((c) => lastInstance(c).startsWith('h2'))]
    const lab = [a, b].map((client, n) =>
      io(`${sticky.origin}${resilienceNamespace(space, '/streams')}`, {
        path: RESILIENCE_PATH,
        forceNew: true,
        agent: new Agent({ localAddress: client?.address ?? from, ca }) as unknown as string,
        ca,
        extraHeaders: { origin: sticky.origin },
        auth: { label: `lab${n + 1}` },
        reconnection: false,
      } as Parameters<typeof io>[1]),
    )
    try {
      const got: LabMessageEvent[] = []
      lab[1]?.on('lab:message', (message: LabMessageEvent) => got.push(message))
      await eventually(() => expect(lab.map((socket) => socket.connected)).toEqual([true, true]), 10_000, 50)
      await lab[0]?.timeout(5_000).emitWithAck('lab:send', { seq: 7 })
      await eventually(() => expect(got.map((m) => [m.seq, m.instance.slice(0, 2)])).toEqual([[7, 'h1']]), 5_000)
    } finally {
      for (const socket of lab) socket.close()
    }
    expect(backends.map((b) => b.process?.output() ?? '').join('\n')).not.toMatch(/NOPERM|no permissions/i)
  }, 20_000)

  it("stopping one host's instances: its clients reconnect through nginx to the other host", async () => {
    const moved = pool.filter((client) => lastInstance(client).startsWith('h1'))
    expect(moved.length).toBeGreaterThan(0)
    await Promise.all(
      backends.filter((b) => b.host === topology.instanceHosts[0]).map((b) => (b.process ? stopChild(b.process.child) : undefined)),
    )
    await eventually(
      () => {
        for (const client of pool) {
          expect(client.socket.connected).toBe(true)
          expect(lastInstance(client)).toMatch(/^h2-/)
        }
      },
      20_000,
      100,
    )
    for (const client of moved) expect(client.hellos.length).toBe(2)
    await moved[0]?.socket.timeout(5_000).emitWithAck('send', { call: 'io.emit', text: 'after failover' })
    await eventually(() => {
      for (const client of pool) expect(client.received.map((m) => m.text)).toContain('after failover')
    }, 5_000)
  }, 40_000)
})

/**
 * An Engine.IO session opened by hand through `balancer` (handshake, then 6 POSTs of a noop
 * packet with its sid): the statuses. Sticky: all 200; round robin: 400 "Session ID unknown"
 * whenever a POST lands on an instance that did not make the session.
 */
async function pollingStatuses(balancer: Balancer, from: string): Promise<number[]> {
  const base = `${balancer.origin}/socket.io/?EIO=4&transport=polling`
  const handshake = await fetchFrom(base, from)
  const sid = /"sid":"([^"]+)"/.exec(handshake.body)?.[1]
  expect(sid, handshake.body).toBeTruthy()
  const statuses: number[] = []
  for (let n = 0; n < 6; n++) {
    const answer = await fetchFrom(`${base}&sid=${sid}`, from, { method: 'POST', body: '6' })
    if (answer.status === 400) expect(answer.body).toContain('Session ID unknown')
    statuses.push(answer.status)
  }
  return statuses
}
