import { EventEmitter } from 'node:events'
import { expect, it } from 'vitest'
import { SandboxError } from '../errors/index.ts'
import { Quota, SpaceRegistry } from './index.ts'

/** A socket and its Engine.IO connection, as far as admission cares. */
function fakeSocket(conn = Object.assign(new EventEmitter(), { readyState: 'open' })) {
  return Object.assign(new EventEmitter(), { conn })
}

it('counts sockets per space from admission, refuses past the limit and forgets empty spaces', () => {
  const spaces = new SpaceRegistry({ maxSocketsPerSpace: 2, maxNamespacesPerConnection: 8 })
  const a = fakeSocket()
  const b = fakeSocket()
  spaces.admit('aaaaaa', a)
  spaces.admit('aaaaaa', b)
  expect(() => spaces.admit('aaaaaa', fakeSocket())).toThrow(SandboxError)
  expect(() => spaces.admit('bbbbbb', fakeSocket())).not.toThrow()
  a.emit('disconnect')
  expect(spaces.size('aaaaaa')).toBe(1)
  // A socket that never connected gives its slot back when its connection closes.
  b.conn.emit('close')
  b.emit('disconnect')
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
