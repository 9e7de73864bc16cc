/**
 * "What goes on the wire" (lesson 5), measured for real: for each wire format, the instance
 * starts a throw-away Socket.IO server on a random loopback port (a random key in the handshake
 * query keeps anyone else out; closed after the run), connects a Node socket.io-client to it over
 * WebSocket, has the server emit the same payload `WIRE_MESSAGES` times, and reads the bytes
 * that crossed the TCP connection from the server's socket (`bytesWritten + bytesRead`: frames,
 * masks and all), from after the handshake to the last message received. No heartbeat falls in
 * that window (the ping interval is longer than the run), so there is no idle traffic to take out.
 *
 * CPU: `process.cpuUsage()` (user + system) around the run, per message. Client and server run
 * in this one process, so it counts both ends (encode, frame, deflate, inflate, decode) plus
 * whatever else the instance did meanwhile: an honest upper bound, not a micro-benchmark.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo, Socket as NetSocket } from 'node:net'
import { Server } from 'socket.io'
import { io as connect } from 'socket.io-client'
import msgpackParser from 'socket.io-msgpack-parser'
import { SandboxError } from '../errors/index.ts'
import {
  WIRE_FORMATS,
  WIRE_PAYLOADS,
  type WireFormat,
  type WireMeasureAck,
  type WirePayload,
  type WireResult,
  type WireSize,
} from '../protocol/index.ts'

/** Messages per run. */
export const WIRE_MESSAGES = 200
/** permessage-deflate threshold of the `+deflate` runs: Socket.IO's (the `ws` package's) default. */
export const DEFLATE_THRESHOLD_BYTES = 1024
/** The whole measurement (8 runs) is abandoned after this long. */
export const WIRE_TIMEOUT_MS = 5_000

const AT = 1_732_950_000_000

/** A deterministic generator (the same messages on every run and every format), numbers in [0, 1). */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => (state = (state * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32
}

/**
 * Message `n` of a run: realistic, and different each time (identical messages would let
 * permessage-deflate's shared context compress each repeat to a few bytes, which no app sees).
 * Small: one position update. Large: a board of 40 cards whose order and timestamps drift.
 */
function textMessage(size: WireSize, n: number): Record<string, unknown> {
  const random = generator(n + 1)
  const round = (x: number): number => Math.round(x * 1000) / 1000
  if (size === 'small')
    return { kind: 'position', id: `client-${n % 30}`, label: 'A', x: round(random()), y: round(random()), at: AT + n * 16 }
  const columns = ['todo', 'doing', 'done']
  const items = Array.from({ length: 40 }, (_, i) => ({
    id: `card-${i}`,
    title: `Card number ${i}`,
    column: columns[Math.floor(random() * 3)],
    order: Math.floor(random() * 100),
    updatedAt: AT + Math.floor(random() * 1e9),
  }))
  return { kind: 'board', version: n, items }
}

/** Bytes that do not compress (like an image thumbnail), different in each message: SHA-256 blocks. */
function attachment(size: WireSize, n: number): Buffer {
  const blocks = Array.from({ length: binaryBytes(size) / 32 }, (_, i) => createHash('sha256').update(`${n}:${i}`).digest())
  return Buffer.concat(blocks)
}

const binaryBytes = (size: WireSize): number => (size === 'small' ? 256 : 4096)

/** The messages of one run. */
export function wireMessages(size: WireSize, payload: WirePayload): Record<string, unknown>[] {
  return Array.from({ length: WIRE_MESSAGES }, (_, n) =>
    payload === 'text' ? textMessage(size, n) : { ...textMessage(size, n), attachment: attachment(size, n) },
  )
}

const tcpBytes = (sockets: NetSocket[]): number => sockets.reduce((sum, s) => sum + s.bytesWritten + s.bytesRead, 0)
const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** One run: a fresh server and client, `WIRE_MESSAGES` emits, the bytes and CPU they took. */
async function runOne(
  format: WireFormat,
  payload: WirePayload,
  messages: Record<string, unknown>[],
  aborted: Promise<never>,
): Promise<WireResult> {
  const parser = format.startsWith('msgpack') ? { parser: msgpackParser } : {}
  const key = randomBytes(12).toString('hex')
  const http = createServer()
  const sockets: NetSocket[] = []
  http.on('connection', (socket: NetSocket) => sockets.push(socket))
  const server = new Server(http, {
    ...parser,
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: format.endsWith('+deflate') ? { threshold: DEFLATE_THRESHOLD_BYTES } : false,
    pingInterval: 60_000,
    pingTimeout: 60_000,
    allowRequest: (req, callback) => callback(null, new URL(req.url ?? '/', 'http://wire').searchParams.get('key') === key),
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  const client = connect(`http://127.0.0.1:${port}`, {
    ...parser,
    transports: ['websocket'],
    query: { key },
    reconnection: false,
    forceNew: true,
  })
  try {
    const serverSocket = await Promise.race([
      aborted,
      new Promise<import('socket.io').Socket>((resolve, reject) => {
        server.once('connection', resolve)
        client.once('connect_error', reject)
      }),
    ])
    await Promise.race([aborted, new Promise<void>((resolve) => (client.connected ? resolve() : client.once('connect', () => resolve())))])
    const bytesBefore = tcpBytes(sockets)
    const cpuBefore = cpuMicros()
    await Promise.race([
      aborted,
      new Promise<void>((resolve) => {
        let received = 0
        client.on('m', () => ++received === WIRE_MESSAGES && resolve())
        for (const message of messages) serverSocket.emit('m', message)
      }),
    ])
    const bytes = tcpBytes(sockets) - bytesBefore
    const cpu = cpuMicros() - cpuBefore
    const round = (n: number): number => Math.round(n * 10) / 10
    return { format, payload, bytesPerMessage: round(bytes / WIRE_MESSAGES), cpuMicrosPerMessage: round(cpu / WIRE_MESSAGES) }
  } finally {
    client.disconnect()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    sockets.forEach((socket) => socket.destroy())
  }
}

/** The instance's wire meter. */
export interface WireMeter {
  /** Whether a measurement is running now (one at a time per instance). */
  busy(): boolean
  /** Runs one measurement of `size`; `BUSY` while another runs; abandoned after `WIRE_TIMEOUT_MS`. */
  measure(size: WireSize): Promise<WireMeasureAck>
}

/**
 * The instance's wire meter.
 *
 * @example
 * const meter = createWireMeter()
 * const answer = await meter.measure('small') // { ok: true, results: [{ format: 'json', payload: 'text', bytesPerMessage: 78, ... }, ...] }
 */
export function createWireMeter(): WireMeter {
  let running = false
  const measure = async (size: WireSize): Promise<WireMeasureAck> => {
    if (running) throw new SandboxError('BUSY', 'a wire measurement is already running on this instance: try again in a few seconds')
    running = true
    let timer: NodeJS.Timeout | undefined
    const aborted = new Promise<never>((_, reject) => {
      const message = `the wire measurement took more than ${WIRE_TIMEOUT_MS / 1000} s and was abandoned`
      timer = setTimeout(() => reject(new SandboxError('INTERNAL', message)), WIRE_TIMEOUT_MS)
    })
    aborted.catch(() => undefined) // rejected only when it wins a race, which reports it
    try {
      const results: WireResult[] = []
      for (const format of WIRE_FORMATS) {
        for (const payload of WIRE_PAYLOADS) results.push(await runOne(format, payload, wireMessages(size, payload), aborted))
      }
      const texts = wireMessages(size, 'text')
      return {
        ok: true,
        size,
        messages: WIRE_MESSAGES,
        payloadBytes: Math.round(texts.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m)), 0) / texts.length),
        binaryBytes: binaryBytes(size),
        deflateThresholdBytes: DEFLATE_THRESHOLD_BYTES,
        results,
      }
    } finally {
      clearTimeout(timer)
      running = false
    }
  }
  return { busy: () => running, measure }
}
