/**
 * Protocol abuse, by corpus: a few hundred malformed Engine.IO / Socket.IO packets (hand-written
 * families plus seeded mutations of valid packets: truncations, flipped bytes, spliced segments)
 * sent raw, byte for byte, to a real instance over BOTH transports (WebSocket frames and polling
 * POST payloads) on BOTH Socket.IO servers (`/socket.io/` and lesson 5's `/resilience/`). The
 * promise: a connection may be closed or answered with an error, but nothing crashes, nothing
 * is left unhandled, and the instance keeps serving its learners. Bounded: the corpus is fixed
 * (seeded), one packet per session, ten sessions at a time, each waiting at most 400 ms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { SandboxServer } from '../../sandbox-server/src/index.ts'
import { RESILIENCE_PATH } from '../../sandbox-server/src/protocol/index.ts'
import { eventually, playgroundClient, randomSpace, request, startCluster, stopAll } from '../../sandbox-server/test/harness.ts'
import { SITE } from '../../sandbox-server/test/security-raw.ts'
import { seeded } from '../support/seeded.ts'

const space = randomSpace()
const chat = `/s/${space}/chat`
const lab = `/s/${space}/streams`
/** Packets in flight at once: one packet per session (a bad packet ends its session, which would hide the rest). */
const CONCURRENCY = 10
const SETTLE_MS = 400

/** Valid packets of both servers: the seeds of the mutations. */
const VALID = [
  `40${chat},{"label":"A"}`,
  `42${chat},["send",{"call":"io.emit","text":"hi"}]`,
  `421${chat},1["room:join",{"room":"paris"}]`,
  `40${lab},{"label":"L"}`,
  `42${lab},["lab:send",{"seq":1}]`,
  `451-${chat},["send",{"_placeholder":true,"num":0}]`,
  '2probe',
  '3',
]

/** Malformed by hand: one family per line of attack. */
const HAND_WRITTEN = [
  '',
  '9',
  'x',
  '4',
  '40',
  '40/',
  '40/s/',
  `40${chat},`,
  `40${chat},null`,
  `40${chat},[]`,
  `40${chat},{"label":1}`,
  `40${chat},{"label":"A","__proto__":{"admin":true}}`,
  '40/nope,{}',
  `42${chat},`,
  `42${chat},[]`,
  `42${chat},["send"]`,
  `42${chat},["send",null]`,
  `42${chat},[" send",{}]`,
  `42${chat},["connect",{}]`,
  `42${chat},["disconnecting",{}]`,
  `4299999999999999999999999${chat},["send",{}]`,
  `42${chat},-1["send",{}]`,
  `43${chat},1[]`,
  `43${chat},99999999[{"ok":true}]`,
  `44${chat},{"message":"spoofed"}`,
  `41${chat},`,
  `45-${chat},["send",{}]`,
  `4999999-${chat},["send",{}]`,
  `45abc-${chat},["send",{}]`,
  `46${chat},1[]`,
  '47',
  `42${chat},${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  `42${chat},["send",{"call":"io.emit","text":"\u0000\ud800\udfff\u202e"}]`,
  `42${chat},["send",{"call":"io.emit","text":"x","__proto__":{"polluted":1}}]`,
  `42${lab},["lab:send",{"seq":1e308}]`,
  `42${lab},["lab:send",{"seq":-1}]`,
  `42${lab},["lab:send",{"seq":"1"}]`,
  `42${lab},["storm:cut",{"nope":true}]`,
  `40${lab},{"label":"L","pid":"${'p'.repeat(100)}","offset":"1-1"}`,
  `40${lab},{"label":"L","pid":"x","offset":"not-an-offset"}`,
  '4\x1e4\x1e4',
  '\x1e\x1e\x1e',
]

/** Seeded mutations of the valid packets (the same corpus on every run). */
function mutations(count: number): string[] {
  const random = seeded(12)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const bytes = '{}[],"0123456789-/\\\x1e\u0000\uffff'
  return Array.from({ length: count }, () => {
    const packet = pick(VALID)
    const at = Math.floor(random() * (packet.length + 1))
    switch (Math.floor(random() * 4)) {
      case 0:
        return packet.slice(0, at)
      case 1:
        return `${packet.slice(0, at)}${pick([...bytes])}${packet.slice(at + 1)}`
      case 2:
        return `${packet.slice(0, at)}${pick(VALID)}${packet.slice(at)}`
      default:
        return `${packet.slice(0, at)}${pick([...bytes]).repeat(1 + Math.floor(random() * 50))}${packet.slice(at)}`
    }
  })
}

const CORPUS = [...HAND_WRITTEN, ...mutations(240)]

let cluster: SandboxServer[] = []
let instance: SandboxServer
const problems: unknown[] = []
const onProblem = (reason: unknown) => problems.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onProblem)
  process.on('uncaughtException', onProblem)
  // One session per packet from one address: the per-address cap (security-caps.test.ts) is not under test here.
  cluster = await startCluster(1, { maxConnectionsPerAddress: 10_000 })
  instance = cluster[0] as SandboxServer
})
afterAll(async () => {
  process.off('unhandledRejection', onProblem)
  process.off('uncaughtException', onProblem)
  await stopAll(cluster)
})

/** Opens a raw Engine.IO WebSocket, sends `frames`, and resolves when closed or after SETTLE_MS. */
function overWebSocket(path: string, frames: string[]): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${instance.url.replace('http', 'ws')}${path}?EIO=4&transport=websocket`, { headers: { Origin: SITE } })
    const timer = setTimeout(() => {
      ws.terminate()
      resolve()
    }, SETTLE_MS)
    ws.once('open', () => frames.forEach((frame) => ws.send(frame)))
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.once('error', () => undefined)
  })
}

/** Opens an Engine.IO polling session on `path` and POSTs `frames` as one payload. Returns the POST's status. */
async function overPolling(path: string, frames: string[]): Promise<number> {
  const base = `${instance.url}${path}?EIO=4&transport=polling`
  const open = await fetch(base, { headers: { Origin: SITE } })
  const sid = /"sid":"([^"]+)"/.exec(await open.text())?.[1]
  if (!sid) throw new Error(`no polling session on ${path}: ${open.status}`)
  const post = await fetch(`${base}&sid=${sid}`, {
    method: 'POST',
    headers: { Origin: SITE, 'Content-Type': 'text/plain;charset=UTF-8' },
    body: frames.join('\x1e'),
    signal: AbortSignal.timeout(5_000),
  })
  await post.text()
  // Close what the packet left open (Engine.IO close packet `1`); a closed session answers 400, fine.
  await fetch(`${base}&sid=${sid}`, { method: 'POST', headers: { Origin: SITE, 'Content-Type': 'text/plain;charset=UTF-8' }, body: '1' })
    .then((answer) => answer.text())
    .catch(() => '')
  return post.status
}

/** The instance still does its job: two fresh learners talk, and /healthz answers. */
async function expectStillServing(): Promise<void> {
  const probe = randomSpace()
  const a = await playgroundClient(instance, probe, '/chat', 'P1')
  const b = await playgroundClient(instance, probe, '/chat', 'P2')
  try {
    await request(a, 'send', { call: 'socket.broadcast.emit', text: 'still here' })
    await eventually(() => expect(b.received.map((m) => m.text)).toEqual(['still here']))
    expect((await fetch(`${instance.url}/healthz`, { headers: { Origin: SITE } })).status).toBe(200)
  } finally {
    a.socket.disconnect()
    b.socket.disconnect()
  }
}

describe(`a corpus of ${CORPUS.length} malformed packets (parser abuse)`, () => {
  it.each([
    ['/socket.io/', 'websocket'],
    ['/socket.io/', 'polling'],
    [RESILIENCE_PATH, 'websocket'],
    [RESILIENCE_PATH, 'polling'],
  ] as const)(
    'on %s over %s: sessions may close, nothing crashes or goes unhandled, the instance keeps serving',
    { timeout: 60_000 },
    async (path, transport) => {
      const statuses = new Set<number>()
      for (let index = 0; index < CORPUS.length; index += CONCURRENCY) {
        const packets = CORPUS.slice(index, index + CONCURRENCY)
        if (transport === 'websocket') await Promise.all(packets.map((packet) => overWebSocket(path, [packet])))
        else (await Promise.all(packets.map((packet) => overPolling(path, [packet])))).forEach((status) => statuses.add(status))
      }
      // Polling answers a bad payload with a typed 4xx or takes it (200) and closes the session: never 5xx.
      expect([...statuses].filter((status) => status >= 500)).toEqual([])
      expect(problems).toEqual([])
      await expectStillServing()
    },
  )
})
