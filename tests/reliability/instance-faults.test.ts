/**
 * An instance dying under traffic, and an instance shutting down gracefully: two real
 * sandbox-server processes (as `npm start` runs them) joined by the shared Redis under this run's
 * own key prefix, lab sockets on lesson 5's `/streams` sending numbered messages all along, so
 * what was lost or replayed is counted, not guessed. i2 listens on a port chosen here, so a
 * restarted i2 is found at the same URL, as the launcher restarts a crashed instance.
 */
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io, type Socket } from 'socket.io-client'
import { RESILIENCE_PATH, resilienceNamespace, type LabMessageEvent } from '../../sandbox-server/src/protocol/index.ts'
import { eventually, freePort, randomSpace, SHARED_REDIS_URL, uniquePrefix } from '../../sandbox-server/test/harness.ts'
import { startProcess } from '../../scripts/bench-fanout/processes.ts'

const PREFIX = uniquePrefix()
const SEND_EVERY_MS = 100
/** Each pump stops on its own after this many messages (about 3 minutes), whatever happens. */
const MAX_SENDS = 2_000

interface Lab {
  label: string
  socket: Socket
  /** `seq` of each `lab:message`, in arrival order. */
  seqs: number[]
  hellos: { recovered: boolean }[]
  disconnects: string[]
}

interface Instance {
  child: ChildProcess
  base: string
}

let i1: Instance
let i2: Instance
let i2Port = 0
const sockets: Socket[] = []
const pumps: ReturnType<typeof setInterval>[] = []

function startInstance(id: string, port: number): Promise<Instance> {
  const env = {
    INSTANCE_ID: id,
    PORT: String(port),
    REDIS_URL: SHARED_REDIS_URL,
    SANDBOX_KEY_PREFIX: PREFIX,
    SANDBOX_LOG_LEVEL: 'warn',
    // The recovery window must outlast a restart: starting a process (tsx) on a busy 2-core
    // machine can take longer than the lab's 10 s default.
    SANDBOX_RESILIENCE_MAX_DISCONNECTION_MS: '120000',
  }
  return startProcess(process.execPath, ['--import', 'tsx', 'sandbox-server/src/main.ts'], env, 90_000).then(({ child, port: bound }) => ({
    child,
    base: `http://127.0.0.1:${bound}`,
  }))
}

/** Resolves with the exit code (or signal) once `child` is gone; rejects after `ms`. */
function exited(child: ChildProcess, ms: number): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode ?? '')
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${ms} ms`)), ms)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(code ?? signal ?? '')
    })
  })
}

function lab(base: string, space: string, label: string): Promise<Lab> {
  const socket = io(`${base}${resilienceNamespace(space, '/streams')}`, {
    path: RESILIENCE_PATH,
    forceNew: true,
    transports: ['websocket'],
    auth: { label },
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
  })
  sockets.push(socket)
  const peer: Lab = { label, socket, seqs: [], hellos: [], disconnects: [] }
  socket.on('lab:message', (message: LabMessageEvent) => peer.seqs.push(message.seq))
  socket.on('disconnect', (reason: string) => peer.disconnects.push(reason))
  return new Promise((resolve, reject) => {
    socket.once('connect_error', reject)
    socket.on('hello', (hello: { recovered: boolean }) => {
      peer.hellos.push(hello)
      resolve(peer)
    })
  })
}

/** `sender` sends 0, 1, 2... every SEND_EVERY_MS (buffered by socket.io-client while disconnected). */
function pump(sender: Lab): { sent: () => number } {
  let next = 0
  const timer = setInterval(() => {
    if (next >= MAX_SENDS) return clearInterval(timer)
    sender.socket.emit('lab:send', { seq: next })
    next += 1
  }, SEND_EVERY_MS)
  pumps.push(timer)
  return { sent: () => next }
}

const range = (n: number) => Array.from({ length: n }, (_, k) => k)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  i2Port = await freePort()
  ;[i1, i2] = await Promise.all([startInstance('i1', 0), startInstance('i2', i2Port)])
}, 120_000)

afterAll(async () => {
  pumps.forEach((timer) => clearInterval(timer))
  sockets.forEach((socket) => socket.disconnect())
  for (const instance of [i1, i2]) {
    if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) continue
    instance.child.kill('SIGKILL')
    await exited(instance.child, 10_000).catch(() => undefined)
  }
})

describe('an instance killed (SIGKILL) under traffic', () => {
  it(
    'the other instance keeps delivering with nothing lost; the dead one’s clients reconnect by themselves once it is back',
    { timeout: 150_000 },
    async () => {
      const local = randomSpace()
      const cross = randomSpace()
      const [a1, b1, a2, b2] = await Promise.all([
        lab(i1.base, local, 'A1'),
        lab(i1.base, local, 'B1'),
        lab(i1.base, cross, 'A2'),
        lab(i2.base, cross, 'B2'),
      ])
      const localPump = pump(a1)
      const crossPump = pump(a2)
      await eventually(() => expect(b2.seqs.length).toBeGreaterThan(5), 10_000)

      i2.child.kill('SIGKILL')
      expect(await exited(i2.child, 10_000)).toBe('SIGKILL')
      await eventually(() => expect(b2.disconnects).toEqual(['transport close']), 10_000)
      await sleep(1_000) // traffic goes on while i2 is dead
      const sentMeanwhile = localPump.sent()
      await eventually(() => expect(b1.seqs).toEqual(range(sentMeanwhile).concat(b1.seqs.slice(sentMeanwhile))), 10_000)
      expect(b1.disconnects).toEqual([])
      expect((await fetch(`${i1.base}/healthz`)).status).toBe(200)

      i2 = await startInstance('i2', i2Port)
      await eventually(() => expect(b2.hellos.length).toBe(2), 30_000)
      // No session was saved by a killed process: not recovered, but live traffic crosses again.
      expect(b2.hellos[1]?.recovered).toBe(false)
      const after = crossPump.sent()
      await eventually(() => expect(Math.max(...b2.seqs)).toBeGreaterThan(after), 10_000)
      // The local pair never noticed: every message, once, in order.
      const localSent = localPump.sent()
      await eventually(() => expect(b1.seqs.slice(0, localSent)).toEqual(range(localSent)), 10_000)
      ;[a1, b1, a2, b2].forEach((peer) => peer.socket.disconnect())
    },
  )
})

describe('graceful shutdown', () => {
  it(
    'drain: clients see transport close, reconnect by themselves, and recover (Streams) every message sent meanwhile, once',
    { timeout: 150_000 },
    async () => {
      const space = randomSpace()
      const [a, b] = await Promise.all([lab(i1.base, space, 'A'), lab(i2.base, space, 'B')])
      const sender = pump(a)
      await eventually(() => expect(b.seqs.length).toBeGreaterThan(5), 10_000)

      i2.child.send({ type: 'drain' })
      expect(await exited(i2.child, 10_000)).toBe(0)
      await eventually(() => expect(b.disconnects).toEqual(['transport close']), 10_000)
      await sleep(1_000) // A keeps sending while B has no instance
      i2 = await startInstance('i2', i2Port)
      await eventually(() => expect(b.hellos.length).toBe(2), 30_000)
      expect(b.hellos[1]?.recovered).toBe(true)
      const sent = sender.sent()
      await eventually(() => expect(b.seqs.length).toBeGreaterThanOrEqual(sent), 10_000)
      expect(b.seqs.slice(0, sent)).toEqual(range(sent))
      ;[a, b].forEach((peer) => peer.socket.disconnect())
    },
  )

  it(
    'SIGTERM: the instance closes its clients’ connections and exits 0; the other instance is untouched',
    { timeout: 60_000 },
    async () => {
      const space = randomSpace()
      const [a, b] = await Promise.all([lab(i1.base, space, 'A'), lab(i2.base, space, 'B')])
      i2.child.kill('SIGTERM')
      // main.ts gives close() 3 s, then exits anyway; 10 s leaves a busy machine room.
      expect(await exited(i2.child, 10_000)).toBe(0)
      // `transport close`, not `io server disconnect`: close() calls io.disconnectSockets(true),
      // which reaches the main namespace `/` only, not the space namespaces (their sockets see
      // the engine close). So a client reconnects by itself, as after a drain.
      await eventually(() => expect(b.disconnects).toEqual(['transport close']), 5_000)
      expect(a.disconnects).toEqual([])
      expect((await fetch(`${i1.base}/healthz`)).status).toBe(200)
      ;[a, b].forEach((peer) => peer.socket.disconnect())
    },
  )
})
