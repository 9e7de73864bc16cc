/**
 * Measures what a flood gets through: 30 sockets of ONE user spread over 3 instances, each
 * emitting every 10 ms for a few seconds, on `/chat` (per-socket token bucket) and on `/secure`
 * (one budget per user in Redis). Prints accepted emits per second for each. Bounded: about
 * 2 x 3 s of traffic on loopback, then everything is closed. Needs the shared Redis.
 *
 *   node --import tsx sandbox-server/test/secure-flood.ts
 */
import { randomBytes } from 'node:crypto'
import { io as connect, type Socket } from 'socket.io-client'
import { startSandboxServer, type SandboxServer } from '../src/index.ts'
import { isTokenAnswer, spaceNamespace } from '../src/protocol/index.ts'

const SOCKETS = 30
const INSTANCES = 3
const SECONDS = 3
const EVERY_MS = 10

async function open(url: string, auth: Record<string, string>): Promise<Socket> {
  const socket = connect(url, { forceNew: true, transports: ['websocket'], auth, reconnection: false })
  await new Promise((resolve, reject) => {
    socket.once('hello', resolve)
    socket.once('connect_error', reject)
  })
  return socket
}

/** Every socket emits every EVERY_MS for SECONDS; resolves to accepted emits per second. */
async function flood(sockets: Socket[], event: string, payload: object): Promise<{ sent: number; acceptedPerSecond: number }> {
  let sent = 0
  let accepted = 0
  const pending: Promise<void>[] = []
  const timers = sockets.map((socket) =>
    setInterval(() => {
      sent++
      pending.push(
        socket
          .timeout(5_000)
          .emitWithAck(event, payload)
          .then(
            (answer: unknown) => {
              if (typeof answer === 'object' && answer !== null && 'ok' in answer) accepted++
            },
            () => {},
          ),
      )
    }, EVERY_MS),
  )
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
  timers.forEach(clearInterval)
  await Promise.all(pending)
  return { sent, acceptedPerSecond: Math.round(accepted / SECONDS) }
}

async function main(): Promise<void> {
  const keyPrefix = `rtwb-flood-${randomBytes(3).toString('hex')}`
  const tokenSecret = randomBytes(32).toString('base64url')
  const instances: SandboxServer[] = await Promise.all(
    Array.from({ length: INSTANCES }, (_, i) =>
      startSandboxServer({ instanceId: `i${i + 1}`, port: 0, keyPrefix, tokenSecret, log: () => {} }),
    ),
  )
  const space = 'flood1'
  const at = (i: number): SandboxServer => instances[i % INSTANCES] as SandboxServer
  try {
    const answer: unknown = await (
      await fetch(`${at(0).url}/s/${space}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Mallory', role: 'learner' }),
      })
    ).json()
    if (!isTokenAnswer(answer) || 'error' in answer) throw new Error('no token')
    const chat = await Promise.all(
      Array.from({ length: SOCKETS }, (_, i) => open(`${at(i).url}${spaceNamespace(space, '/chat')}`, { label: `M${i}` })),
    )
    const bucket = await flood(chat, 'send', { call: 'socket.emit', text: 'flood' })
    chat.forEach((socket) => socket.disconnect())
    const secure = await Promise.all(
      Array.from({ length: SOCKETS }, (_, i) => open(`${at(i).url}${spaceNamespace(space, '/secure')}`, { token: answer.token })),
    )
    const shared = await flood(secure, 'secure:send', { text: 'flood' })
    secure.forEach((socket) => socket.disconnect())
    const config = at(0).config
    console.log(`${SOCKETS} sockets of one user on ${INSTANCES} instances, one emit per socket every ${EVERY_MS} ms for ${SECONDS} s:`)
    console.log(
      `  per-socket token bucket (/chat, ${config.eventsPerSecond}/s burst ${config.eventBurst} per socket): ${bucket.acceptedPerSecond} emits/s accepted of ${Math.round(bucket.sent / SECONDS)} sent`,
    )
    console.log(
      `  shared limiter (/secure, ${config.userEventsPerSecond}/s per user in Redis):        ${shared.acceptedPerSecond} emits/s accepted of ${Math.round(shared.sent / SECONDS)} sent`,
    )
  } finally {
    await Promise.all(instances.map((instance) => instance.close()))
  }
}

await main()
