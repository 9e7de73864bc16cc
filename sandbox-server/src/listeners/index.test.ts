import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, type Socket } from 'socket.io'
import { io as connect } from 'socket.io-client'
import { afterEach, expect, test } from 'vitest'
import { onAnyCompact } from './index.ts'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A real Socket.IO server on port 0 and one client; resolves with the server-side socket. */
async function connected(): Promise<{ socket: Socket; client: ReturnType<typeof connect> }> {
  const http = createServer()
  const io = new Server(http)
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], reconnection: false })
  cleanups.push(() => {
    client.disconnect()
    void io.close()
  })
  const socket = await new Promise<Socket>((resolve) => io.on('connection', resolve))
  return { socket, client }
}

test('the listener hears every event, with its ack, like onAny, and offAny removes it', async () => {
  const { socket, client } = await connected()
  const heard: unknown[] = []
  const listener = (event: unknown, ...args: unknown[]): void => {
    heard.push(event)
    const ack = args.at(-1)
    if (typeof ack === 'function') ack('ok')
  }
  onAnyCompact(socket, listener)
  expect(socket.listenersAny()).toEqual([listener])
  expect(await client.timeout(2_000).emitWithAck('ping', 1)).toBe('ok')
  expect(heard).toEqual(['ping'])
  socket.offAny(listener)
  expect(socket.listenersAny()).toEqual([])
})

test('a socket that has catch-all listeners already gets this one after them, as with onAny', async () => {
  const { socket, client } = await connected()
  const order: string[] = []
  socket.onAny(() => order.push('first'))
  onAnyCompact(socket, () => order.push('second'))
  const later = (): number => order.push('third')
  socket.onAny(later)
  expect(socket.listenersAny()).toHaveLength(3)
  client.emit('hello')
  await expect.poll(() => order).toEqual(['first', 'second', 'third'])
})

test('falls back to onAny when the socket keeps its list elsewhere', () => {
  const kept: unknown[] = []
  const socket = { onAny: (listener: unknown) => kept.push(listener), listenersAny: () => kept }
  const listener = (): void => undefined
  onAnyCompact(socket, listener)
  expect(kept).toEqual([listener])
  expect(Reflect.has(socket, '_anyListeners')).toBe(false)
})
