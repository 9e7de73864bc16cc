/**
 * Load driver of the class benchmark, a child process pinned to its own core, driven over IPC by
 * main.ts: it opens N learners (what the lesson 2 and lesson 3 widgets open, see model.ts), has
 * each take the lessons' steps with random think time, and measures click -> delivery (send time
 * -> the recipient client's `message`, both on this process's clock), click -> ack, and errors.
 * Every loop is bounded in count and time; every map is bounded.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { io, type Socket } from 'socket.io-client'
import { percentile } from '../bench-fanout/stats.ts'
import { learnerClients, nextStep, OBSERVERS_PER_LEARNER, recipients, type ModelClient, type Step } from './model.ts'

type Command =
  | { type: 'connect'; bases: string[]; learners: number }
  | { type: 'run'; seconds: number; thinkMinMs: number; thinkMaxMs: number; healthEveryMs: number }
  | { type: 'close' }

const ACK_TIMEOUT_MS = 5_000 // the widgets' REQUEST_TIMEOUT_MS
const MAX_SAMPLES = 1_000_000
const MAX_PENDING = 100_000

interface LiveClient extends ModelClient {
  socket: Socket
}
interface Learner {
  index: number
  space: string
  observers: Socket[]
  clients: LiveClient[]
}

/** Counters of one measured run (reset by `run`). */
function freshStats() {
  return {
    recording: false,
    steps: 0,
    sends: 0,
    expected: 0,
    delivered: 0,
    unexpected: 0,
    deliveryMs: [] as number[],
    ackMs: [] as number[],
    errorAcks: {} as Record<string, number>,
    timeouts: 0,
    disconnects: 0,
    healthRequests: 0,
    healthErrors: 0,
    traces: 0,
  }
}
let stats = freshStats()
const learners: Learner[] = []
let connectErrors = 0
/** Sends waiting for deliveries: message text -> send time and deliveries still due. */
const pending = new Map<string, { at: number; due: number }>()
let sequence = 0

const spaceCode = (index: number): string =>
  `c${index.toString(36).padStart(3, '0')}${Math.random().toString(36).slice(2, 4).padEnd(2, 'x')}`

function onMessage(msg: unknown): void {
  const text = typeof msg === 'object' && msg !== null && 'text' in msg ? String(msg.text) : ''
  const entry = pending.get(text)
  if (!stats.recording) return
  if (!entry) return void (stats.unexpected += 1)
  stats.delivered += 1
  if (stats.deliveryMs.length < MAX_SAMPLES) stats.deliveryMs.push(performance.now() - entry.at)
  entry.due -= 1
  if (entry.due <= 0) pending.delete(text)
}

/** Opens one socket; resolves with it, or null after a connect error (counted). */
function open(url: string, auth: Record<string, string>): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = io(url, { forceNew: true, transports: ['websocket'], auth, reconnection: false, timeout: 20_000 })
    socket.once('connect_error', () => {
      connectErrors += 1
      socket.close()
      resolve(null)
    })
    socket.once('connect', () => {
      socket.on('disconnect', (reason: string) => {
        if (reason !== 'io client disconnect' && stats.recording) stats.disconnects += 1
      })
      resolve(socket)
    })
  })
}

async function openLearner(bases: string[], index: number): Promise<Learner> {
  const space = spaceCode(index)
  const observerJobs = Array.from({ length: OBSERVERS_PER_LEARNER }, (_, n) => open(`${bases[n % bases.length]}/observe`, { space }))
  const clientJobs = learnerClients().map(async (model) => {
    const socket = await open(`${bases[model.instance % bases.length]}/s/${space}${model.namespace}`, { label: model.label })
    if (!socket) return null
    socket.on('message', onMessage)
    return { ...model, socket }
  })
  const observers = (await Promise.all(observerJobs)).filter((s): s is Socket => s !== null)
  for (const observer of observers) observer.on('trace', () => void (stats.recording && (stats.traces += 1)))
  const clients = (await Promise.all(clientJobs)).filter((c): c is LiveClient => c !== null)
  return { index, space, observers, clients }
}

/** Emits with an ack, timed; counts timeouts and error acks; resolves to the answer or null. */
function request(socket: Socket, event: string, payload: unknown): Promise<Record<string, unknown> | null> {
  const started = performance.now()
  return new Promise((resolve) => {
    socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err: unknown, answer: unknown) => {
      const record = stats.recording
      if (err) {
        if (record) stats.timeouts += 1
        return resolve(null)
      }
      if (record && stats.ackMs.length < MAX_SAMPLES) stats.ackMs.push(performance.now() - started)
      const body = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {}
      const error = body.error as { code?: string } | undefined
      if (error) {
        const code = String(error.code ?? 'UNKNOWN')
        if (record) stats.errorAcks[code] = (stats.errorAcks[code] ?? 0) + 1
        return resolve(null)
      }
      resolve(body)
    })
  })
}

/** Registers the deliveries a send must make, then returns its text. */
function expect(learner: Learner, due: number): string {
  const text = `${learner.index}.${(sequence++).toString(36)}`
  if (due > 0 && pending.size < MAX_PENDING) {
    pending.set(text, { at: performance.now(), due })
    if (stats.recording) stats.expected += due
  }
  return text
}

async function take(learner: Learner, step: Step): Promise<void> {
  const socket = (step.client as LiveClient).socket
  switch (step.kind) {
    case 'join':
    case 'leave': {
      const answer = await request(socket, `room:${step.kind}`, { room: step.room })
      if (answer && Array.isArray(answer.rooms)) step.client.rooms = new Set(answer.rooms.map(String))
      return
    }
    case 'fetch-sockets':
    case 'server-side-emit':
      return void (await request(socket, `cluster:${step.kind}`, {}))
    case 'direct': {
      if (stats.recording) stats.sends += 1
      const text = expect(learner, recipients(learner.clients, step).length)
      return void (await request(socket, 'cluster:direct', { to: (step.to as LiveClient).socket.id ?? '', text }))
    }
    case 'send': {
      if (stats.recording) stats.sends += 1
      const text = expect(learner, recipients(learner.clients, step).length)
      return void (await request(socket, 'send', { call: step.call, rooms: step.rooms, text }))
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One learner clicking through the lessons until `endAt` (and at most one step a second). */
async function play(learner: Learner, endAt: number, minMs: number, maxMs: number): Promise<void> {
  const maxSteps = Math.ceil((endAt - performance.now()) / 1000) + 1
  await sleep(Math.random() * maxMs) // learners do not click in step
  for (let n = 0; n < maxSteps && performance.now() < endAt && learner.clients.length; n += 1) {
    await take(learner, nextStep(learner.clients, Math.random))
    if (stats.recording) stats.steps += 1
    await sleep(minMs + Math.random() * (maxMs - minMs))
  }
}

/** The session's `/healthz` polling of every instance, for the widget on screen, until `endAt`. */
async function pollHealth(bases: string[], everyMs: number, endAt: number): Promise<void> {
  await sleep(Math.random() * everyMs)
  for (let n = 0; n < 100_000 && performance.now() < endAt; n += 1) {
    await Promise.all(
      bases.map(async (base) => {
        stats.healthRequests += 1
        const ok = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(3_000) }).then(
          async (res) => (await res.arrayBuffer(), res.ok),
          () => false,
        )
        if (!ok) stats.healthErrors += 1
      }),
    )
    await sleep(everyMs)
  }
}

let bases: string[] = []
async function connect(command: Extract<Command, { type: 'connect' }>): Promise<void> {
  const started = performance.now()
  bases = command.bases
  // Ten learners at a time (150 handshakes in flight at most): a class arriving, not a stampede.
  for (let start = 0; start < command.learners; start += 10) {
    const batch = Array.from({ length: Math.min(10, command.learners - start) }, (_, n) => openLearner(bases, start + n))
    learners.push(...(await Promise.all(batch)))
  }
  const sockets = learners.reduce((sum, l) => sum + l.observers.length + l.clients.length, 0)
  process.send?.({ type: 'connected', ms: performance.now() - started, sockets, connectErrors })
}

async function run(command: Extract<Command, { type: 'run' }>): Promise<void> {
  stats = freshStats()
  pending.clear()
  stats.recording = true
  const lag = monitorEventLoopDelay({ resolution: 10 })
  lag.enable()
  const started = performance.now()
  const endAt = started + command.seconds * 1000
  await Promise.all([
    ...learners.map((l) => play(l, endAt, command.thinkMinMs, command.thinkMaxMs)),
    ...learners.map(() => pollHealth(bases, command.healthEveryMs, endAt)),
  ])
  const waitUntil = performance.now() + 5_000 // bounded wait for stragglers
  while (pending.size > 0 && performance.now() < waitUntil) await sleep(50)
  stats.recording = false
  lag.disable()
  const lost = [...pending.values()].reduce((sum, entry) => sum + entry.due, 0)
  const pct = (samples: number[], p: number) => percentile(samples, p)
  process.send?.({
    type: 'result',
    seconds: (performance.now() - started) / 1000,
    steps: stats.steps,
    sends: stats.sends,
    expected: stats.expected,
    delivered: stats.delivered,
    lost,
    unexpected: stats.unexpected,
    deliveryP50Ms: pct(stats.deliveryMs, 50),
    deliveryP95Ms: pct(stats.deliveryMs, 95),
    deliveryP99Ms: pct(stats.deliveryMs, 99),
    ackP50Ms: pct(stats.ackMs, 50),
    ackP99Ms: pct(stats.ackMs, 99),
    errorAcks: stats.errorAcks,
    timeouts: stats.timeouts,
    disconnects: stats.disconnects,
    healthRequests: stats.healthRequests,
    healthErrors: stats.healthErrors,
    traces: stats.traces,
    driverLagP99Ms: lag.percentile(99) / 1e6,
  })
}

function close(): void {
  for (const learner of learners) for (const socket of [...learner.observers, ...learner.clients.map((c) => c.socket)]) socket.disconnect()
  learners.length = 0
  process.send?.({ type: 'closed' })
}

process.on('message', (command: Command) => {
  const work = command.type === 'connect' ? connect(command) : command.type === 'run' ? run(command) : Promise.resolve().then(close)
  work.catch((error: Error) => process.send?.({ type: 'error', message: error.message }))
})
process.on('disconnect', () => process.exit(0))
