import { EventEmitter } from 'node:events'
import { expect, it } from 'vitest'
import { SandboxError } from '../errors/index.ts'
import { Quota, SpaceRegistry } from './index.ts'

/** A socket and its Engine.IO connection, as far as admission cares. */
function fakeSocket(conn = { readyState: 'open' }) {
  return Object.assign(new EventEmitter(), { conn, connected: true })
}

/** Lets the admitting turn end (admission checks then whether Socket.IO connected the socket). */
const turnEnds = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))

it('counts sockets per space from admission, refuses past the limit and forgets empty spaces', async () => {
  const spaces = new SpaceRegistry({ maxSocketsPerSpace: 2, maxNamespacesPerConnection: 8 })
  const a = fakeSocket()
  const b = fakeSocket()
  spaces.admit('aaaaaa', a)
  spaces.admit('aaaaaa', b)
  expect(() => spaces.admit('aaaaaa', fakeSocket())).toThrow(SandboxError)
  expect(() => spaces.admit('bbbbbb', fakeSocket())).not.toThrow()
  a.emit('disconnect')
  expect(spaces.size('aaaaaa')).toBe(1)
  b.emit('disconnect')
  b.emit('disconnect')
  expect(spaces.size('aaaaaa')).toBe(0)
  await turnEnds()
  expect(spaces.size('aaaaaa')).toBe(0)
  expect(spaces.size('bbbbbb')).toBe(1)
})

it('gives back the slots of a socket Socket.IO did not connect by the end of the turn (its connection closed), once', async () => {
  const spaces = new SpaceRegistry({ maxSocketsPerSpace: 1, maxNamespacesPerConnection: 1 })
  const dropped = Object.assign(fakeSocket(), { connected: false })
  spaces.admit('aaaaaa', dropped)
  expect(() => spaces.admit('aaaaaa', fakeSocket())).toThrow(expect.objectContaining({ code: 'SPACE_FULL' }))
  await turnEnds()
  expect(spaces.size('aaaaaa')).toBe(0)
  dropped.emit('disconnect')
  const next = fakeSocket(dropped.conn)
  spaces.admit('aaaaaa', next)
  expect(spaces.size('aaaaaa')).toBe(1)
  expect(() => spaces.admit('bbbbbb', fakeSocket(dropped.conn))).toThrow(expect.objectContaining({ code: 'NAMESPACE_LIMIT' }))
})

it('keeps the slots of a connected socket past the turn, until it disconnects', async () => {
  const spaces = new SpaceRegistry({ maxSocketsPerSpace: 2, maxNamespacesPerConnection: 8 })
  const socket = fakeSocket()
  spaces.admit('aaaaaa', socket)
  await turnEnds()
  expect(spaces.size('aaaaaa')).toBe(1)
  socket.emit('disconnect')
  expect(spaces.size('aaaaaa')).toBe(0)
})

it('caps namespaces per connection, with NAMESPACE_LIMIT', () => {
  const spaces = new SpaceRegistry({ maxSocketsPerSpace: 32, maxNamespacesPerConnection: 2 })
  const first = fakeSocket()
  spaces.admit('aaaaaa', first)
  spaces.admit('bbbbbb', fakeSocket(first.conn))
  expect(() => spaces.admit('cccccc', fakeSocket(first.conn))).toThrow(expect.objectContaining({ code: 'NAMESPACE_LIMIT' }))
  expect(spaces.size('cccccc')).toBe(0)
  first.emit('disconnect')
  expect(() => spaces.admit('cccccc', fakeSocket(first.conn))).not.toThrow()
})

it('a quota release runs once', () => {
  const quota = new Quota<string>(1)
  const release = quota.tryTake('k')
  expect(quota.tryTake('k')).toBeNull()
  release?.()
  release?.()
  expect(quota.size('k')).toBe(0)
})
