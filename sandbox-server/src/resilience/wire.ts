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
import { randomBytes } from 'node:crypto'
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

/** Realistic payloads: one position update (small); a board of 40 cards (large, repetitive like real JSON). */
function textPayload(size: WireSize): Record<string, unknown> {
  if (size === 'small') return { kind: 'position', id: 'client-42', label: 'A', x: 0.512, y: 0.377, at: AT }
  const columns = ['todo', 'doing', 'done']
  const items = Array.from({ length: 40 }, (_, i) => ({
    id: `card-${i}`,
    title: `Card number ${i}`,
    column: columns[i % 3],
    order: i,
    updatedAt: AT + i * 1000,
  }))
  return { kind: 'board', items }
}

/** Bytes that do not compress (like an image thumbnail), the same on every run. */
function attachment(size: WireSize): Buffer {
  const bytes = Buffer.alloc(size === 'small' ? 256 : 4096)
  let state = 42
  for (let i = 0; i < bytes.length; i++) bytes[i] = (state = (state * 1_103_515_245 + 12_345) >>> 0) >>> 24
  return bytes
}

/** The payload of one run. */
export function wirePayload(size: WireSize, payload: WirePayload): Record<string, unknown> {
  return payload === 'text' ? textPayload(size) : { ...textPayload(size), attachment: attachment(size) }
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
  message: Record<string, unknown>,
  signal: AbortSignal,
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
    const serverSocket = await new Promise<import('socket.io').Socket>((resolve, reject) => {
      server.once('connection', resolve)
      client.once('connect_error', reject)
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
    })
    await new Promise<void>((resolve) => (client.connected ? resolve() : client.once('connect', () => resolve())))
    const bytesBefore = tcpBytes(sockets)
    const cpuBefore = cpuMicros()
    await new Promise<void>((resolve, reject) => {
      let received = 0
      client.on('m', () => ++received === WIRE_MESSAGES && resolve())
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
      for (let i = 0; i < WIRE_MESSAGES; i++) serverSocket.emit('m', message)
    })
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

/**
 * The instance's wire meter: one measurement at a time (`BUSY` otherwise), each bounded by
 * `WIRE_TIMEOUT_MS`.
 *
 * @example
 * const measure = createWireMeter()
 * const answer = await measure('small') // { ok: true, results: [{ format: 'json', payload: 'text', bytesPerMessage: 78, ... }, ...] }
 */
export function createWireMeter(): (size: WireSize) => Promise<WireMeasureAck> {
  let running = false
  return async (size) => {
    if (running) throw new SandboxError('BUSY', 'a wire measurement is already running on this instance: try again in a few seconds')
    running = true
    const signal = AbortSignal.timeout(WIRE_TIMEOUT_MS)
    try {
      const results: WireResult[] = []
      for (const format of WIRE_FORMATS) {
        for (const payload of WIRE_PAYLOADS) results.push(await runOne(format, payload, wirePayload(size, payload), signal))
      }
      const text = wirePayload(size, 'text')
      return {
        ok: true,
        size,
        messages: WIRE_MESSAGES,
        payloadBytes: Buffer.byteLength(JSON.stringify(text)),
        binaryBytes: attachment(size).length,
        deflateThresholdBytes: DEFLATE_THRESHOLD_BYTES,
        results,
      }
    } catch (error) {
      if (signal.aborted)
        throw new SandboxError('INTERNAL', `the wire measurement took more than ${WIRE_TIMEOUT_MS / 1000} s and was abandoned`)
      throw error
    } finally {
      running = false
    }
  }
}
