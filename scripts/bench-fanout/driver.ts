/**
 * Load driver of the fan-out benchmark, run as a child process pinned to its own core. It opens
 * the clients, has one of them send at a fixed rate, and measures deliveries and latency
 * (send time -> receipt, both on this process's clock). Driven over IPC by main.ts.
 */
import { io, type Socket } from 'socket.io-client'

type Command =
  | { type: 'warm'; bases: string[]; path: string; clients: number }
  | { type: 'connect'; bases: string[]; path: string; clients: number; extra: { path: string }[] }
  | { type: 'run'; rate: number; seconds: number }
  | { type: 'close' }

const sockets: Socket[] = []
let latencies = new Float64Array(0)
let delivered = 0
let recording = false

function open(base: string, path: string, label: string, onMessage: boolean, room = 'bench'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(`${base}${path}`, {
      forceNew: true,
      transports: ['websocket'],
      auth: { label },
      reconnection: false,
      timeout: 10_000,
    })
    if (onMessage) {
      socket.on('message', (msg: { text: string }) => {
        if (!recording) return
        if (delivered < latencies.length) latencies[delivered] = performance.now() - Number(msg.text)
        delivered += 1
      })
    }
    socket.once('connect_error', reject)
    socket.once('connect', () => {
      socket.timeout(10_000).emit('room:join', { room }, (error: Error | null) => (error ? reject(error) : resolve(socket)))
    })
  })
}

async function connect(command: Extract<Command, { type: 'connect' }>): Promise<void> {
  const started = performance.now()
  const jobs: { base: string; path: string; label: string; listen: boolean }[] = []
  for (let index = 0; index < command.clients; index += 1) {
    jobs.push({ base: command.bases[index % command.bases.length] as string, path: command.path, label: `c${index}`, listen: true })
  }
  command.extra.forEach((space, index) =>
    jobs.push({ base: command.bases[index % command.bases.length] as string, path: space.path, label: `x${index}`, listen: false }),
  )
  // Batches of 50: a bounded number of handshakes in flight.
  for (let start = 0; start < jobs.length; start += 50) {
    const batch = jobs.slice(start, start + 50)
    sockets.push(...(await Promise.all(batch.map((job) => open(job.base, job.path, job.label, job.listen)))))
  }
  process.send?.({ type: 'connected', ms: performance.now() - started, sockets: sockets.length })
}

async function run(rate: number, seconds: number, listeners: number): Promise<void> {
  const sender = sockets[0]
  if (!sender) throw new Error('no sender')
  const total = Math.round(rate * seconds)
  latencies = new Float64Array(total * listeners)
  delivered = 0
  recording = true
  let sent = 0
  const started = performance.now()
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (sent >= total) {
        clearInterval(timer)
        resolve()
        return
      }
      sent += 1
      sender.emit('send', { call: 'socket.to(room).emit', rooms: ['bench'], text: String(performance.now()) })
    }, 1000 / rate)
  })
  const expected = sent * (listeners - 1)
  const deadline = performance.now() + 5_000 // bounded wait for stragglers
  while (delivered < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  const wallSeconds = (performance.now() - started) / 1000
  recording = false
  const samples = latencies.subarray(0, Math.min(delivered, latencies.length)).slice().sort()
  const pick = (p: number) => samples[Math.min(samples.length - 1, Math.max(0, Math.ceil((p / 100) * samples.length) - 1))] ?? Number.NaN
  process.send?.({ type: 'result', sent, delivered, expected, wallSeconds, p50: pick(50), p99: pick(99) })
}

/** Opens sockets that stay, apart from the measured ones (in room `warm`: not senders, not listeners). */
const warmSockets: Socket[] = []
async function warm(command: Extract<Command, { type: 'warm' }>): Promise<void> {
  const jobs = Array.from({ length: command.clients }, (_, index) =>
    open(command.bases[index % command.bases.length] as string, command.path, `w${index}`, false, 'warm'),
  )
  warmSockets.push(...(await Promise.all(jobs)))
  process.send?.({ type: 'warmed' })
}

let listeners = 0
process.on('message', (command: Command) => {
  const work =
    command.type === 'warm'
      ? warm(command)
      : command.type === 'connect'
        ? ((listeners = command.clients), connect(command))
        : command.type === 'run'
          ? run(command.rate, command.seconds, listeners)
          : Promise.resolve().then(() => {
              for (const socket of [...sockets, ...warmSockets]) socket.disconnect()
              sockets.length = 0
              warmSockets.length = 0
              process.send?.({ type: 'closed' })
            })
  work.catch((error: Error) => process.send?.({ type: 'error', message: error.message }))
})
process.on('disconnect', () => process.exit(0))
