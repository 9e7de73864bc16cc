/**
 * One soak client process (the soak starts two or more, so clients and servers spread over the
 * cores). It holds whole groups: the members of a group share one space of lesson 5's lab
 * (`/s/<space>/streams` or `/pubsub`) and alternate between the two instances, so every
 * `lab:send` reaches the members on the other instance only through Redis. `lab:send` is a
 * `socket.broadcast` (no echo): each member receives every other member's messages. Whole groups
 * live here, so this process counts each sender's numbers at each receiver exactly (tally.ts)
 * and reports sums over IPC.
 *
 * Commands (IPC): `connect` (close any previous sockets, open the pairs), `run` (send for a
 * bounded time, wait for the tail to arrive, answer the counts), `close`. Every loop is bounded
 * in count and time; the process exits when its parent goes away.
 *
 * @module
 */
import { io, type Socket } from 'socket.io-client'
import {
  RESILIENCE_PATH,
  resilienceNamespace,
  type LabMessageEvent,
  type ResilienceNamespace,
} from '../../../sandbox-server/src/protocol/index.ts'
import { emptyCounts, Inbox, PHASE_SEQ_SPAN, type SoakCounts } from './tally.ts'

export interface ConnectCommand {
  type: 'connect'
  /** Base URLs of two instances, e.g. `http://127.0.0.1:40123`. */
  bases: [string, string]
  namespace: ResilienceNamespace
  spaces: string[]
  /** Sockets per space (2 or more). */
  group: number
}

export interface RunCommand {
  type: 'run'
  phase: number
  seconds: number
  /** Messages each socket SENDS per second (each member receives `rate x (group - 1)`). */
  rate: number
}

interface End {
  label: string
  /** The labels of the other members of its group: one inbox each. */
  peers: string[]
  socket: Socket
  sent: number
  /** Sends not made while the socket was disconnected (it resumes at the current number). */
  skipped: number
  refused: number
  disconnects: number
  recovered: number
  inboxes: Map<string, Inbox>
  /** Messages from no member of the group (counted as stray). */
  foreign: number
}

const CONNECT_LIMIT_MS = 120_000
const DRAIN_LIMIT_MS = 60_000
const DRAIN_IDLE_MS = 5_000
/** SOAK_VERBOSE=1: one progress line per driver per 5 s on stderr. */
const VERBOSE = process.env.SOAK_VERBOSE === '1'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let ends: End[] = []
/** Why sockets disconnected or were refused during the current phase. */
let reasons: Record<string, number> = {}
const note = (reason: string) => (reasons[reason] = (reasons[reason] ?? 0) + 1)

/** A member's label: `m0`, `m1`, ... (the lab accepts letters and digits). */
const memberLabel = (index: number): string => `m${index}`

function openEnd(base: string, namespace: ResilienceNamespace, space: string, member: number, group: number): Promise<End> {
  const label = memberLabel(member)
  const socket = io(`${base}${resilienceNamespace(space, namespace)}`, {
    path: RESILIENCE_PATH,
    forceNew: true,
    transports: ['websocket'],
    auth: { label },
    reconnectionDelay: 200,
    reconnectionDelayMax: 2_000,
  })
  const peers = Array.from({ length: group }, (_, n) => memberLabel(n)).filter((peer) => peer !== label)
  const end: End = { label, peers, socket, sent: 0, skipped: 0, refused: 0, disconnects: 0, recovered: 0, inboxes: new Map(), foreign: 0 }
  socket.on('lab:message', (message: LabMessageEvent) => {
    const inbox = end.inboxes.get(message.from)
    if (inbox) inbox.receive(message.seq, message.from)
    else end.foreign += 1
  })
  socket.on('sandbox:error', (error: { code?: unknown }) => {
    end.refused += 1
    note(`refused: ${String(error?.code)}`)
  })
  socket.on('disconnect', (reason: string) => {
    end.disconnects += 1
    note(`disconnect: ${reason}`)
  })
  socket.on('connect_error', (error: Error) => note(`connect_error: ${error.message}`))
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (error: Error) => reject(new Error(`${space} ${label}: ${error.message}`)))
    socket.once('hello', () => {
      socket.on('hello', (hello: { recovered?: boolean }) => (end.recovered += hello.recovered === true ? 1 : 0))
      resolve(end)
    })
  })
}

async function connectGroups(command: ConnectCommand): Promise<{ ms: number }> {
  closeAll()
  const started = performance.now()
  // In batches of about 50 sockets: 1,000 handshakes at once would queue behind each other and trip their own timeouts.
  const perBatch = Math.max(1, Math.floor(50 / command.group))
  for (let index = 0; index < command.spaces.length; index += perBatch) {
    if (performance.now() - started > CONNECT_LIMIT_MS) throw new Error(`connecting took over ${CONNECT_LIMIT_MS} ms`)
    const batch = command.spaces.slice(index, index + perBatch)
    const opened = await Promise.all(
      batch.flatMap((space, n) =>
        // Members alternate between the instances (shifted per space, so each instance holds as many).
        Array.from({ length: command.group }, (_, member) => {
          const base = command.bases[(index + n + member) % 2] ?? command.bases[0]
          return openEnd(base, command.namespace, space, member, command.group)
        }),
      ),
    )
    ends.push(...opened)
  }
  return { ms: Math.round(performance.now() - started) }
}

/** Sends `rate` messages per second per socket for `seconds`, spread over each 1/rate s. */
async function send(command: RunCommand): Promise<number> {
  const total = Math.floor(command.seconds * command.rate)
  const base = command.phase * PHASE_SEQ_SPAN
  const periodMs = 1000 / command.rate
  const started = performance.now()
  const deadline = started + command.seconds * 1000 + 10_000
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started
      let done = true
      ends.forEach((end, index) => {
        // Each socket's sends are offset within the period, so the load is even, not a burst per tick.
        const due = Math.min(total, Math.floor((elapsed + ((index * 7.3) % periodMs)) / periodMs))
        // Catching up after a stall: a few at a time (the lab's burst allows 64).
        // Only while connected: socket.io-client would buffer the sends of a cut and flush them in
        // one burst on reconnection, which the lab's rate limit refuses (an artefact, not a loss).
        if (!end.socket.connected) {
          end.skipped = Math.max(end.skipped, due - end.sent)
          return
        }
        for (let n = 0; n < 4 && end.sent + end.skipped < due; n += 1) {
          end.socket.emit('lab:send', { seq: base + end.sent })
          end.sent += 1
        }
        if (end.sent + end.skipped < total) done = false
      })
      if (done || performance.now() > deadline) {
        clearInterval(timer)
        resolve()
      }
    }, 5)
  })
  return (performance.now() - started) / 1000
}

/** The members of `end`'s group, by label (groups are opened side by side). */
function groupOf(index: number, group: number): Map<string, End> {
  const first = index - (index % group)
  return new Map(ends.slice(first, first + group).map((member) => [member.label, member]))
}

/** Whether `end` has every number each other member sent. */
function complete(end: End, members: Map<string, End>): boolean {
  return end.peers.every((peer) => (end.inboxes.get(peer)?.distinct ?? 0) >= (members.get(peer)?.sent ?? 0))
}

/** Waits until every member has everything the others sent, or nothing new came for a while. */
async function drain(group: number): Promise<void> {
  const started = Date.now()
  let last = -1
  let lastChange = Date.now()
  while (Date.now() - started < DRAIN_LIMIT_MS) {
    let received = 0
    for (const end of ends) for (const inbox of end.inboxes.values()) received += inbox.distinct
    if (ends.every((end, index) => complete(end, groupOf(index, group)))) return
    if (received !== last) {
      last = received
      lastChange = Date.now()
    } else if (Date.now() - lastChange > DRAIN_IDLE_MS) return
    await sleep(100)
  }
}

/** One member's counts: each inbox settled against what that peer sent. */
function settleEnd(end: End, members: Map<string, End>, counts: SoakCounts): void {
  counts.sockets += 1
  counts.emitted += end.sent
  counts.stray += end.foreign
  for (const [peer, inbox] of end.inboxes) {
    const sent = members.get(peer)?.sent ?? 0
    const settled = inbox.settle(sent)
    counts.sent += sent
    counts.delivered += settled.delivered
    counts.lost += settled.lost
    counts.duplicated += settled.duplicated
    counts.stray += settled.stray
  }
  counts.refused += end.refused
  counts.disconnects += end.disconnects
  counts.recovered += end.recovered
}

async function run(command: RunCommand): Promise<SoakCounts> {
  const capacity = Math.ceil(command.seconds * command.rate) + 1
  if (capacity > PHASE_SEQ_SPAN) throw new Error(`seconds x rate must stay under ${PHASE_SEQ_SPAN}`)
  const base = command.phase * PHASE_SEQ_SPAN
  reasons = {}
  for (const end of ends) {
    Object.assign(end, { sent: 0, skipped: 0, refused: 0, disconnects: 0, recovered: 0, foreign: 0 })
    end.inboxes = new Map(end.peers.map((peer) => [peer, new Inbox(base, peer, capacity)]))
  }
  const group = ends.length > 0 ? (ends[0]?.peers.length ?? 0) + 1 : 1
  const progress = VERBOSE ? setInterval(() => report(command.phase), 5_000) : undefined
  const sendSeconds = await send(command)
  await drain(group)
  clearInterval(progress)
  const counts = emptyCounts()
  counts.sendSeconds = sendSeconds
  const skipped = ends.reduce((total, end) => total + end.skipped, 0)
  counts.reasons = skipped > 0 ? { ...reasons, 'messages not sent while disconnected': skipped } : reasons
  ends.forEach((end, index) => settleEnd(end, groupOf(index, group), counts))
  return counts
}

function report(phase: number): void {
  const sum = (pick: (end: End) => number) => ends.reduce((total, end) => total + pick(end), 0)
  const connected = ends.filter((end) => end.socket.connected).length
  const received = sum((e) => [...e.inboxes.values()].reduce((total, inbox) => total + inbox.distinct, 0))
  const line = `soak driver ${process.pid} phase ${phase}: sent ${sum((e) => e.sent)}, received ${received}, connected ${connected}/${ends.length}`
  process.stderr.write(`${line} ${JSON.stringify(reasons)}\n`)
}

function closeAll(): void {
  for (const end of ends) end.socket.disconnect()
  ends = []
}

const reply = (message: object) => process.send?.(message)

process.on('message', (message: ConnectCommand | RunCommand | { type: 'close' }) => {
  const answer =
    message.type === 'connect'
      ? connectGroups(message).then((result) => ({ type: 'connected', ...result }))
      : message.type === 'run'
        ? run(message).then((counts) => ({ type: 'result', counts }))
        : Promise.resolve(closeAll()).then(() => ({ type: 'closed' }))
  answer.then(reply, (error: unknown) => reply({ type: 'error', message: error instanceof Error ? error.message : String(error) }))
})
process.on('disconnect', () => {
  closeAll()
  process.exit(0)
})
reply({ type: 'ready' })
