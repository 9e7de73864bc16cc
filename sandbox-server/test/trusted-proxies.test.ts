/**
 * SANDBOX_TRUSTED_PROXIES on real instances: with 127.0.0.1 (this test, playing nginx) trusted,
 * the per-address connection cap counts each X-Forwarded-For client apart, refusals are logged
 * with the client's address and sockets see it in `handshake.address`; without the option the
 * same headers are ignored and every request is 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io as connect, type Socket } from 'socket.io-client'
import { startSandboxServer, type SandboxServer } from '../src/index.ts'
import { spaceNamespace } from '../src/protocol/index.ts'
import { eventually, randomSpace, SHARED_REDIS_URL, uniquePrefix } from './harness.ts'
import { raw, SITE } from './security-raw.ts'

const CAP = 2

/** One instance with a cap of 2 connections per address, its log lines kept. */
function useInstance(trustedProxies: string[]): { instance: () => SandboxServer; lines: string[] } {
  const lines: string[] = []
  let instance: SandboxServer | null = null
  beforeAll(async () => {
    instance = await startSandboxServer({
      port: 0,
      redisUrl: SHARED_REDIS_URL,
      keyPrefix: uniquePrefix(),
      maxConnectionsPerAddress: CAP,
      trustedProxies,
      logFormat: 'json',
      log: (line) => lines.push(line),
    })
  })
  afterAll(async () => instance?.close())
  return {
    lines,
    instance: () => {
      if (!instance) throw new Error('the instance did not start')
      return instance
    },
  }
}

/** An Engine.IO polling handshake as `forwardedFor` (X-Forwarded-For): its HTTP status. */
async function handshakeAs(base: string, forwardedFor: string): Promise<number> {
  return (await raw(`${base}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: SITE, 'X-Forwarded-For': forwardedFor } })).status
}

/** The `address` of every TOO_MANY_CONNECTIONS line logged. */
const refusedAddresses = (lines: string[]): unknown[] =>
  lines
    .map((line) => JSON.parse(line) as { code?: string; address?: unknown })
    .filter((line) => line.code === 'TOO_MANY_CONNECTIONS')
    .map((line) => line.address)

describe('with 127.0.0.1 trusted (the instance is behind "nginx")', () => {
  const { instance, lines } = useInstance(['127.0.0.1'])

  it('counts each forwarded client apart: the cap refuses one client, not the class', async () => {
    const base = instance().url
    for (let n = 0; n < CAP; n++) expect(await handshakeAs(base, '203.0.113.1')).toBe(200)
    expect(await handshakeAs(base, '203.0.113.1')).toBe(429)
    // Another client behind the same proxy still has its own budget (a forged left part changes nothing).
    for (let n = 0; n < CAP; n++) expect(await handshakeAs(base, `6.6.6.${n}, 203.0.113.2`)).toBe(200)
    expect(await handshakeAs(base, '1.1.1.1, 203.0.113.2')).toBe(429)
    await eventually(() => expect(refusedAddresses(lines)).toEqual(['203.0.113.1', '203.0.113.2']))
  })

  it("gives sockets the client's address in handshake.address", async () => {
    const space = randomSpace()
    const namespace = spaceNamespace(space, '/chat')
    const socket: Socket = connect(`${instance().url}${namespace}`, {
      forceNew: true,
      transports: ['polling'],
      extraHeaders: { origin: SITE, 'x-forwarded-for': '198.51.100.23' },
      auth: { label: 'Ada' },
      reconnection: false,
    })
    try {
      await eventually(() => expect(socket.connected).toBe(true))
      const [server] = instance().io.of(namespace).sockets.values()
      expect(server?.handshake.address).toBe('198.51.100.23')
    } finally {
      socket.close()
    }
  })
})

describe('without the option (the default)', () => {
  const { instance, lines } = useInstance([])

  it('ignores X-Forwarded-For: every request is its TCP peer, 127.0.0.1', async () => {
    const base = instance().url
    expect(await handshakeAs(base, '203.0.113.1')).toBe(200)
    expect(await handshakeAs(base, '203.0.113.2')).toBe(200)
    expect(await handshakeAs(base, '203.0.113.3')).toBe(429)
    await eventually(() => expect(refusedAddresses(lines)).toEqual(['127.0.0.1']))
  })
})
