/**
 * Baseline (a) of the fan-out benchmark: plain Socket.IO + @socket.io/redis-adapter, no extra
 * layer. Same namespace, room, event names and message shape as the sandbox, so the only
 * difference is what the sandbox adds (spaces, validation, rate limiting, tracing hooks).
 * Env: PORT, REDIS_URL, KEY, ADAPTER=classic|sharded, NAMESPACE.
 */
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:http'
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const key = process.env.KEY ?? 'bench'
const pub = new Redis(redisUrl)
const sub = pub.duplicate()
pub.on('error', () => undefined)
sub.on('error', () => undefined)
const adapter =
  process.env.ADAPTER === 'classic'
    ? createAdapter(pub, sub, { key })
    : createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: 'dynamic' })
const httpServer = createServer()
const io = new Server(httpServer, { adapter })
let sequence = 0

io.of(process.env.NAMESPACE ?? '/chat').on('connection', (socket) => {
  socket.on('room:join', ({ room }: { room: string }, ack?: (answer: unknown) => void) => {
    void socket.join(room)
    ack?.({ ok: true, rooms: [room] })
  })
  socket.on('send', ({ rooms, text }: { rooms: string[]; text: string }, ack?: (answer: unknown) => void) => {
    const msg = { traceId: String(sequence++), call: 'socket.to(room).emit', from: 'S', text, rooms }
    socket.to(rooms[0] ?? '').emit('message', msg)
    ack?.({ ok: true, traceId: msg.traceId })
  })
})

httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (httpServer.address() as AddressInfo).port })
})
process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'memory') return
  ;(globalThis as { gc?: () => void }).gc?.()
  const { heapUsed, rss } = process.memoryUsage()
  process.send?.({ type: 'memory', heapUsed, rss, sockets: io.engine.clientsCount })
})
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
