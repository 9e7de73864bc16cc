import { expect, it } from 'vitest'
import { isCredentialHeader, redactHeaders } from './redact.ts'

it('redacts credentials and keeps what the lesson teaches', () => {
  for (const name of [
    'Cookie',
    'authorization',
    'Proxy-Authorization',
    'X-Api-Key',
    'X-Auth-Token',
    'X-CSRF-Token',
    'X-Session-Id',
    'Client-Secret',
    'apikey-x',
  ]) {
    expect(isCredentialHeader(name), name).toBe(true)
  }
  for (const name of ['Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Upgrade', 'Connection', 'Host', 'Origin', 'User-Agent', 'Monkey']) {
    expect(isCredentialHeader(name), name).toBe(false)
  }
  expect(
    redactHeaders([
      ['Cookie', 'a=1'],
      ['Upgrade', 'websocket'],
    ]),
  ).toEqual({
    headers: [
      ['Cookie', '[redacted]'],
      ['Upgrade', 'websocket'],
    ],
    redacted: ['Cookie'],
  })
})
