import { describe, expect, it } from 'vitest'
import { parseConnectError } from './connect-errors.ts'

describe('parseConnectError', () => {
  it('reads the namespace, code and message of a CONNECT_ERROR packet', () => {
    expect(parseConnectError('4/s/k7q2mx/chat,{"message":"full","data":{"code":"SPACE_FULL","message":"full"}}')).toEqual({
      namespace: '/s/k7q2mx/chat',
      code: 'SPACE_FULL',
      message: 'full',
    })
    expect(parseConnectError('4{"message":"Invalid namespace"}')).toEqual({ namespace: '/', code: 'OTHER', message: 'Invalid namespace' })
  })

  it('ignores every other packet', () => {
    expect(parseConnectError('2/s/k7q2mx/chat,["message",{}]')).toBeNull()
    expect(parseConnectError('0/observe,{"sid":"x"}')).toBeNull()
    expect(parseConnectError(Buffer.from('4'))).toBeNull()
  })
})
