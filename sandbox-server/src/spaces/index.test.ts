import { EventEmitter } from 'node:events'
import { expect, it } from 'vitest'
import { SandboxError } from '../errors/index.ts'
import { SpaceRegistry } from './index.ts'

it('counts sockets per space, refuses past the limit and forgets empty spaces', () => {
  const spaces = new SpaceRegistry(2)
  const a = new EventEmitter()
  const b = new EventEmitter()
  spaces.enter('aaaaaa', a)
  spaces.enter('aaaaaa', b)
  expect(() => spaces.admit('aaaaaa')).toThrow(SandboxError)
  expect(() => spaces.admit('bbbbbb')).not.toThrow()
  a.emit('disconnect')
  expect(spaces.size('aaaaaa')).toBe(1)
  b.emit('disconnect')
  expect(spaces.activeSpaces).toBe(0)
})
