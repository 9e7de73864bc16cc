/**
 * Size limits on both Socket.IO transports (`maxHttpBufferSize` = config `maxPacketBytes`): an
 * oversized packet gets HTTP 413 on polling and close code 1009 ("message too big") on WebSocket;
 * the instance keeps running, and `/secure` tells the learner the limit in its hello. Engine.IO
 * refuses these without a word: the instance logs them (`PAYLOAD_TOO_LARGE`), and a raw request
 * that names its space (`ENGINE_SPACE_PARAM`) gets its refusals streamed to that space's observers.
 */
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ENGINE_SPACE_PARAM, type SpaceStats, type TraceEvent } from '../src/protocol/index.ts'
import { eventually, observer, randomSpace } from './harness.ts'
import { engineSession, EVIL, payload, pollingUrl, raw, SITE } from './security-raw.ts'
import { secureClient, tokenFor, useSecureCluster } from './secure-harness.ts'

const MAX = 2_048
const { at, track, logs } = useSecureCluster(1, { maxPacketBytes: MAX, allowedOrigins: [SITE] })
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

describe('refusals below Socket.IO, in the log and in the space that the request names', () => {
  it('a foreign Origin, an oversized polling POST and an oversized WebSocket message each reach the space observers', async () => {
    const space = randomSpace()
    const watcher = await observer(at(0), space)
    track(watcher.socket)
    const named = `${ENGINE_SPACE_PARAM}=${space}`
    const foreign = await raw(`${at(0).url}/socket.io/?EIO=4&transport=polling&${named}`, { headers: { Origin: EVIL } })
    expect(foreign.status).toBe(403)
    const sid = await engineSession(`${at(0).url}`)
    const post = await raw(`${pollingUrl(at(0).url, sid)}&${named}`, { method: 'POST', body: payload(oversized()) })
    expect(post.status).toBe(413)
    const ws = new WebSocket(`${at(0).url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&${named}`)
    ws.once('open', () => ws.send(oversized()))
    expect(await new Promise<number>((resolve) => ws.once('close', resolve))).toBe(1009)

    const streamed = (trace: TraceEvent[]) => trace.flatMap((event) => (event.kind === 'log' ? [`${event.code}: ${event.msg}`] : []))
    await eventually(() =>
      expect(streamed(watcher.trace).sort()).toEqual([
        'FORBIDDEN_ORIGIN: refused an Engine.IO request',
        `PAYLOAD_TOO_LARGE: refused a polling packet over maxHttpBufferSize (${MAX} bytes)`,
        `PAYLOAD_TOO_LARGE: refused a websocket packet over maxHttpBufferSize (${MAX} bytes)`,
      ]),
    )
    const sizeLines = logs.filter((line) => line.includes('"code":"PAYLOAD_TOO_LARGE"') && line.includes(space))
    expect(sizeLines).toHaveLength(2)
    expect(sizeLines.every((line) => line.includes('"address":') && !line.includes('xxxx'))).toBe(true)
    // The refused handshake and both oversized packets count in the space they named.
    const stats = (await (await fetch(`${at(0).url}/s/${space}/stats`)).json()) as SpaceStats
    expect(stats).toMatchObject({ rejectedHandshakes: 1, oversizedPackets: 2 })
    expect(stats.instanceTotals.oversizedPackets).toBeGreaterThanOrEqual(2)
    const scrape = await (await fetch(`${at(0).url}/metrics`)).text()
    expect(scrape).toMatch(/^socketio_oversized_packets_total\{transport="polling"\} [1-9]/m)
    expect(scrape).toMatch(/^socketio_oversized_packets_total\{transport="websocket"\} [1-9]/m)
  })

  it('a space name that is not a space code is left out of the line', async () => {
    const answer = await raw(`${at(0).url}/socket.io/?EIO=4&transport=polling&${ENGINE_SPACE_PARAM}=%3Cb%3E`, { headers: { Origin: EVIL } })
    expect(answer.status).toBe(403)
    await eventually(() => expect(logs.some((line) => line.includes('"code":"FORBIDDEN_ORIGIN"') && !line.includes('"space"'))).toBe(true))
    expect(logs.some((line) => line.includes('<b>'))).toBe(false)
  })
})
