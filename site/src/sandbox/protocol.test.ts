import { describe, expect, it } from 'vitest'
import * as server from '../../../sandbox-server/src/protocol/index.ts'
import * as browser from './protocol.ts'

describe('browser protocol constants', () => {
  it('equal the server protocol', () => {
    expect(browser.SEND_CALLS).toEqual(server.SEND_CALLS)
    expect(browser.PLAYGROUND_NAMESPACES).toEqual(server.PLAYGROUND_NAMESPACES)
    expect(browser.CLUSTER_NAMESPACES).toEqual(server.CLUSTER_NAMESPACES)
    expect(browser.OBSERVE_NAMESPACE).toBe(server.OBSERVE_NAMESPACE)
    expect(browser.SPACE_CODE_PATTERN.source).toBe(server.SPACE_CODE_PATTERN.source)
  })

  it('builds the same wire namespaces', () => {
    for (const ns of [...server.PLAYGROUND_NAMESPACES, ...server.CLUSTER_NAMESPACES]) {
      expect(browser.spaceNamespace('k7q2mx', ns)).toBe(server.spaceNamespace('k7q2mx', ns))
    }
  })

  it('validates rooms like the server schema', () => {
    for (const room of ['paris', 'team-1', '0', 'a'.repeat(16), '', '-x', 'Paris', 'a'.repeat(17), 'a'.repeat(25), 'a b']) {
      expect(browser.ROOM_NAME_PATTERN.test(room), room).toBe(server.roomNameSchema.safeParse(room).success)
    }
  })

  it('validates labels like the server schema', () => {
    for (const label of ['A', 'Zoé', 'a b_c-1', 'x'.repeat(17), '', '<img>']) {
      expect(browser.LABEL_PATTERN.test(label), label).toBe(
        server.playgroundAuthSchema.safeParse({ label }).success,
      )
    }
  })

  it('knows how many rooms each call takes, like the server schema', () => {
    for (const call of server.SEND_CALLS) {
      const kind = browser.callRooms(call)
      const ok = (rooms: string[]) => server.sendPayloadSchema.safeParse({ call, rooms, text: 'hi' }).success
      expect(ok([]), call).toBe(kind === 'none')
      expect(ok(['paris']), call).toBe(kind !== 'none')
      expect(ok(['paris', 'lyon']), call).toBe(kind === 'some')
    }
  })
})
