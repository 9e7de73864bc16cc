/**
 * The exact server lines the sandbox runs, as traces show them and lessons print them. The
 * instance, the emitter process, the in-memory fake of the site and the lesson checks all call
 * these functions, so a learner who copies a snippet gets the line the widget showed.
 *
 * @module
 */
import type { LearnerNamespace, SendCall } from './index.ts'

const quote = (value: string): string => JSON.stringify(value)
const ioOf = (namespace: LearnerNamespace): string => `io.of(${quote(namespace)})`

/**
 * The exact server line a playground call runs.
 *
 * @example
 * serverLine('socket.to(room).emit', '/chat', ['paris']) // => 'socket.to("paris").emit("message", msg)'
 */
export function serverLine(call: SendCall, namespace: LearnerNamespace, rooms: readonly string[]): string {
  switch (call) {
    case 'socket.emit':
      return 'socket.on("send", (msg, ack) => ack({ ok: true }))'
    case 'socket.broadcast.emit':
      return 'socket.broadcast.emit("message", msg)'
    case 'socket.to(room).emit':
      return `socket.to(${quote(rooms[0] ?? '')}).emit("message", msg)`
    case 'io.to(room).emit':
      return `${ioOf(namespace)}.to(${quote(rooms[0] ?? '')}).emit("message", msg)`
    case 'io.to(rooms).emit':
      return `${ioOf(namespace)}.to([${rooms.map(quote).join(', ')}]).emit("message", msg)`
    case 'io.emit':
      return `${ioOf(namespace)}.emit("message", msg)`
  }
}

/**
 * The exact line of a direct emit to one socket id (lesson 3, `cluster:direct`).
 *
 * @example
 * directEmitLine('/with-redis', 'Xy3...') // => 'io.of("/with-redis").to("Xy3...").emit("message", msg)'
 */
export function directEmitLine(namespace: LearnerNamespace, socketId: string): string {
  return `${ioOf(namespace)}.to(${quote(socketId)}).emit("message", msg)`
}

/**
 * The exact line the Redis emitter process runs (lesson 3, `POST /emit`).
 *
 * @example
 * emitterLine('paris') // => 'emitter.of("/with-redis").to("paris").emit("message", msg)'
 */
export function emitterLine(room?: string): string {
  return `emitter.of("/with-redis")${room ? `.to(${quote(room)})` : ''}.emit("message", msg)`
}
