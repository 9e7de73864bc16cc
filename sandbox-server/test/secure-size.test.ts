/**
 * Size limits on both Socket.IO transports (`maxHttpBufferSize` = config `maxPacketBytes`): an
 * oversized packet gets HTTP 413 on polling and close code 1009 ("message too big") on WebSocket;
 * the instance keeps running, and `/secure` tells the learner the limit in its hello.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { randomSpace } from './harness.ts'
import { engineSession, payload, pollingUrl, raw } from './security-raw.ts'
import { secureClient, tokenFor, useSecureCluster } from './secure-harness.ts'

const MAX = 2_048
const { at, track } = useSecureCluster(1, { maxPacketBytes: MAX })
const oversized = (): string => `42/s/abcdef/chat,["send",{"text":"${'x'.repeat(MAX * 2)}"}]`

describe(`packets over maxPacketBytes (${MAX})`, () => {
  it('polling: HTTP 413', async () => {
    const sid = await engineSession(at(0).url)
    const answer = await raw(pollingUrl(at(0).url, sid), {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: payload(oversized()),
    })
    expect(answer.status).toBe(413)
  })

  it('WebSocket: close code 1009', async () => {
    const ws = new WebSocket(`${at(0).url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send(oversized())
    expect(await closed).toBe(1009)
  })

  it('a packet just under the limit passes, the instance still answers, and /secure says the limit', async () => {
    const sid = await engineSession(at(0).url)
    const fits = await raw(pollingUrl(at(0).url, sid), {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: payload(`42["x","${'y'.repeat(MAX - 64)}"]`),
    })
    expect(fits.status).toBe(200)
    const space = randomSpace()
    const { hello, socket } = await secureClient(at(0), space, (await tokenFor(at(0), space, { name: 'Ada', role: 'learner' })).token)
    track(socket)
    expect(hello.maxPacketBytes).toBe(MAX)
  })
})
