/**
 * Lesson 1's bare transports on a real instance: long polling, SSE, raw WebSocket, and what
 * each costs on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { SandboxServer } from '../src/index.ts'
import {
  isStreamEvent,
  type HandshakeCapture,
  type PollAnswer,
  type StreamEvent,
  type TransportStats,
  type WsServerMessage,
} from '../src/protocol/index.ts'
import { eventually, randomSpace, startCluster, stopAll } from './harness.ts'

let cluster: SandboxServer[]
let base: string

beforeAll(async () => {
  cluster = await startCluster(1)
  base = (cluster[0] as SandboxServer).url
})
afterAll(async () => {
  await stopAll(cluster)
})

const post = async (path: string, body: unknown): Promise<Response> =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
const rate = (space: string, eventsPerSecond: number, payloadBytes = 32): Promise<Response> =>
  post(`/t/${space}/stream`, { eventsPerSecond, payloadBytes })
const stats = async (space: string): Promise<TransportStats> => (await (await fetch(`${base}/t/${space}/stats`)).json()) as TransportStats

/** A minimal SSE reader over fetch (Node 20 has no EventSource): returns events until aborted. */
function readSse(
  url: string,
  headers: Record<string, string>,
  onEvent: (event: StreamEvent) => void,
): { done: Promise<string>; abort: () => void } {
  const controller = new AbortController()
  const done = (async () => {
    try {
      const response = await fetch(url, { headers, signal: controller.signal })
      const reader = response.body?.getReader()
      if (!reader) return 'no body'
      const decoder = new TextDecoder()
      let buffer = ''
      for (;;) {
        const { value, done: finished } = await reader.read()
        if (finished) return 'ended'
        buffer += decoder.decode(value, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = block.split('\n').find((line) => line.startsWith('data: '))
          const isTick = !block.split('\n').some((line) => line.startsWith('event: '))
          if (data && isTick) onEvent(JSON.parse(data.slice(6)) as StreamEvent)
        }
      }
    } catch (error) {
      return controller.signal.aborted ? 'aborted' : `cut: ${(error as Error).message}`
    }
  })()
  return { done, abort: () => controller.abort() }
}

const contiguous = (ids: number[]): boolean => ids.every((id, index) => index === 0 || id === (ids[index - 1] as number) + 1)

describe('long polling', () => {
  it('times out with an empty answer, then re-polls in a loop with nothing lost or duplicated', async () => {
    const space = randomSpace()
    const empty = (await (await fetch(`${base}/t/${space}/poll?after=0&waitMs=300`)).json()) as PollAnswer
    expect(empty).toEqual({ events: [], cursor: 0, timedOut: true, gap: false })
    await rate(space, 40)
    const ids: number[] = []
    let cursor = empty.cursor
    let requests = 0
    // A loop, never recursion; bounded in count.
    while (ids.length < 30 && requests < 200) {
      const answer = (await (await fetch(`${base}/t/${space}/poll?after=${cursor}&waitMs=2000`)).json()) as PollAnswer
      requests += 1
      ids.push(...answer.events.map((event) => event.id))
      cursor = answer.cursor
    }
    await rate(space, 0)
    expect(ids.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(new Set(ids).size).toBe(ids.length)
    const counters = (await stats(space)).transports['long-polling']
    expect(counters.httpRequests).toBe(requests + 1)
    expect(counters.eventsDelivered).toBe(ids.length)
  })

  it('rejects a bad cursor with a typed error', async () => {
    const response = await fetch(`${base}/t/${randomSpace()}/poll?after=-3`)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/after must be/) } })
  })
})

describe('Server-Sent Events', () => {
  it('resumes from Last-Event-ID after a forced disconnect, with nothing lost', async () => {
    const space = randomSpace()
    await rate(space, 40)
    const seen: number[] = []
    const first = readSse(`${base}/t/${space}/sse?lastEventId=0`, {}, (event) => seen.push(event.id))
    await eventually(() => expect(seen.length).toBeGreaterThanOrEqual(10))
    expect(await (await post(`/t/${space}/cut`, { transport: 'sse' })).json()).toMatchObject({ ok: true, cut: 1 })
    expect(await first.done).toMatch(/^(cut|ended)/)
    const last = seen.at(-1) as number
    // Events keep coming while no stream is open: the resume must bring them.
    await eventually(async () => expect((await stats(space)).lastEventId).toBeGreaterThanOrEqual(last + 5))
    const second = readSse(`${base}/t/${space}/sse`, { 'Last-Event-ID': String(last) }, (event) => seen.push(event.id))
    await eventually(() => expect(seen.length).toBeGreaterThanOrEqual(last + 15))
    second.abort()
    await rate(space, 0)
    expect(contiguous(seen)).toBe(true)
    expect(seen[0]).toBe(1)
  })

  it('sends retry: and ids', async () => {
    const space = randomSpace()
    await rate(space, 20)
    const response = await fetch(`${base}/t/${space}/sse?lastEventId=0`)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = response.body?.getReader()
    let text = ''
    while (!/\nid: 2\n/.test(text)) text += new TextDecoder().decode((await reader?.read())?.value)
    await reader?.cancel()
    await rate(space, 0)
    expect(text).toMatch(/^event: hello\ndata: .*\nretry: 1000\n\n/)
    expect(text).toMatch(/data: \{"id":1,"sentAt":\d+,"data":"realtime-workbook realtime-workb"\}\nid: 1\n\n/)
  })
})

describe('raw WebSocket', () => {
  const open = (space: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: WsServerMessage[] }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/t/${space}/ws?after=0`, { headers })
      const messages: WsServerMessage[] = []
      ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as WsServerMessage))
      ws.once('open', () => resolve({ ws, messages }))
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      ws.once('error', reject)
    })

  it('is two-way, answers bad frames with a typed error, and shows 1006 when cut', async () => {
    const space = randomSpace()
    await rate(space, 40)
    const { ws, messages } = await open(space)
    await eventually(() => expect(messages.filter(isStreamEvent).length).toBeGreaterThanOrEqual(5))
    ws.send(JSON.stringify({ type: 'message', text: 'hello server' }))
    ws.send('not json')
    ws.send(JSON.stringify({ type: 'message' }))
    ws.send(Buffer.from([1, 2, 3]), { binary: true })
    await eventually(() => {
      expect(messages.filter((m) => 'type' in m && m.type === 'ack')).toEqual([expect.objectContaining({ text: 'hello server' })])
      expect(messages.flatMap((m) => ('type' in m && m.type === 'error' ? [m.error.code] : []))).toEqual([
        'INVALID_PAYLOAD',
        'INVALID_PAYLOAD',
        'INVALID_PAYLOAD',
      ])
    })
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    await post(`/t/${space}/cut`, { transport: 'websocket' })
    expect(await closed).toBe(1006)
    const ids = messages.filter(isStreamEvent).map((m) => m.id)
    expect(contiguous(ids)).toBe(true)

    // A clean close is 1000 on both sides.
    const again = await open(space)
    const clean = new Promise<number>((resolve) => again.ws.once('close', (code) => resolve(code)))
    again.ws.close(1000, 'done')
    expect(await clean).toBe(1000)
    await rate(space, 0)
    expect((await stats(space)).transports.websocket.messagesReceived).toBe(1)
  })

  it('captures the upgrade handshake as the server saw it', async () => {
    const space = randomSpace()
    const { ws } = await open(space)
    ws.close()
    const { handshake } = (await (await fetch(`${base}/t/${space}/handshake`)).json()) as { handshake: HandshakeCapture }
    const header = (list: [string, string][], name: string): string | undefined => list.find(([key]) => key.toLowerCase() === name)?.[1]
    expect(handshake.request.line).toBe(`GET /t/${space}/ws?after=0 HTTP/1.1`)
    expect(header(handshake.request.headers, 'upgrade')).toBe('websocket')
    const key = header(handshake.request.headers, 'sec-websocket-key') ?? ''
    expect(handshake.response.line).toBe('HTTP/1.1 101 Switching Protocols')
    const { createHash } = await import('node:crypto')
    const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
    expect(header(handshake.response.headers, 'sec-websocket-accept')).toBe(accept)
  })

  it('refuses a page from another origin and unknown upgrade paths', async () => {
    await expect(open(randomSpace(), { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403')
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${base.replace('http', 'ws')}/elsewhere`)
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
        ws.once('open', resolve)
        ws.once('error', reject)
      }),
    ).rejects.toThrow('HTTP 404')
  })
})

describe('wire accounting', () => {
  it('per-event overhead: long polling > SSE > WebSocket', async () => {
    const space = randomSpace()
    await rate(space, 20, 32)
    const sse = readSse(`${base}/t/${space}/sse`, {}, () => undefined)
    const ws = new WebSocket(`${base.replace('http', 'ws')}/t/${space}/ws`)
    ws.on('error', () => undefined)
    let cursor = 0
    const deadline = Date.now() + 2_500
    for (let requests = 0; Date.now() < deadline && requests < 200; requests += 1) {
      const answer = (await (await fetch(`${base}/t/${space}/poll?after=${cursor}&waitMs=1000`)).json()) as PollAnswer
      cursor = answer.cursor
    }
    const { transports } = await stats(space)
    sse.abort()
    ws.close()
    await rate(space, 0)
    const perEvent = (name: keyof typeof transports): number =>
      (transports[name].bytesIn + transports[name].bytesOut) / Math.max(transports[name].eventsDelivered, 1)
    for (const name of ['long-polling', 'sse', 'websocket'] as const) expect(transports[name].eventsDelivered).toBeGreaterThan(20)
    expect(perEvent('long-polling')).toBeGreaterThan(perEvent('sse'))
    expect(perEvent('sse')).toBeGreaterThan(perEvent('websocket'))
    console.log(
      `bytes/event at 20 ev/s, 32 B payload: long-polling ${perEvent('long-polling').toFixed(0)}, sse ${perEvent('sse').toFixed(0)}, websocket ${perEvent('websocket').toFixed(0)}`,
    )
  })
})
