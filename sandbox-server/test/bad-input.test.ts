/**
 * Bad input gets a typed error and the instance keeps serving: payloads, events, handshakes and
 * raw malformed Engine.IO / Socket.IO packets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io as connect } from 'socket.io-client'
import WebSocket from 'ws'
import type { SandboxServer } from '../src/index.ts'
import type { RoomAck, SendAck } from '../src/protocol/index.ts'
import { eventually, playgroundClient, randomSpace, request, startCluster, stopAll, type TestClient } from './harness.ts'

let cluster: SandboxServer[]
let instance: SandboxServer
const opened: TestClient[] = []
const space = randomSpace()

beforeAll(async () => {
  cluster = await startCluster(1, { maxRoomsPerSocket: 3, eventsPerSecond: 5, eventBurst: 60, maxSocketsPerSpace: 6 })
  instance = cluster[0] as SandboxServer
})
afterAll(async () => {
  await stopAll(
    cluster,
    opened.map((c) => c.socket),
  )
})

async function client(label: string, namespace: '/chat' | '/admin' = '/chat'): Promise<TestClient> {
  const created = await playgroundClient(instance, space, namespace, label)
  opened.push(created)
  return created
}

/** The instance still does its job: a fresh pair of clients can talk. */
async function expectStillServing(): Promise<void> {
  const probeSpace = randomSpace()
  const a = await playgroundClient(instance, probeSpace, '/chat', 'P1')
  const b = await playgroundClient(instance, probeSpace, '/chat', 'P2')
  await request(a, 'send', { call: 'socket.broadcast.emit', text: 'still here' })
  await eventually(() => expect(b.received.map((m) => m.text)).toEqual(['still here']))
  a.socket.disconnect()
  b.socket.disconnect()
}

describe('payload validation', () => {
  it.each([
    ['send', { call: 'socket.to(room).emit', text: 'x' }, /send: rooms: socket.to\(room\).emit needs exactly one room/],
    ['send', { call: 'io.nuke', text: 'x' }, /send: call: call must be one of/],
    ['send', { call: 'io.emit', text: '' }, /text must not be empty/],
    ['send', { call: 'io.emit', text: 'x'.repeat(281) }, /at most 280 characters/],
    ['send', { call: 'io.emit', text: 'x', extra: true }, /Unrecognized key/],
    ['send', 'just a string', /send: payload: Expected object/],
    ['send', null, /send: payload:/],
    ['room:join', { room: 'Paris!' }, /room:join: room: room must be 1-16 characters/],
    ['room:join', { room: 'a'.repeat(17) }, /room must be 1-16/],
    ['room:join', {}, /room:join: room: room is required/],
  ])('%s %j -> INVALID_PAYLOAD', async (event, payload, message) => {
    const a = await client('A')
    const answer = await request<{ error: { code: string; message: string } }>(a, event, payload)
    expect(answer.error.code).toBe('INVALID_PAYLOAD')
    expect(answer.error.message).toMatch(message)
    a.socket.disconnect()
  })

  it('unknown events get UNKNOWN_EVENT; events without an ack get a sandbox:error event', async () => {
    const a = await client('A')
    expect(await request(a, 'rm -rf', { room: 'x' })).toEqual({
      error: { code: 'UNKNOWN_EVENT', message: 'unknown event "rm -rf": use room:join, room:leave, send' },
    })
    const errors: unknown[] = []
    a.socket.on('sandbox:error', (error) => errors.push(error))
    a.socket.emit('send', { call: 'nope' })
    await eventually(() => expect(errors).toEqual([expect.objectContaining({ code: 'INVALID_PAYLOAD' })]))
  })

  it('ROOM_LIMIT past the configured number of rooms; re-joining a room is fine', async () => {
    const a = await client('A')
    for (const room of ['r1', 'r2', 'r3']) await request(a, 'room:join', { room })
    expect(await request<RoomAck>(a, 'room:join', { room: 'r3' })).toEqual({ ok: true, rooms: ['r1', 'r2', 'r3'] })
    expect(await request(a, 'room:join', { room: 'r4' })).toMatchObject({ error: { code: 'ROOM_LIMIT' } })
    expect(await request<RoomAck>(a, 'room:leave', { room: 'r1' })).toEqual({ ok: true, rooms: ['r2', 'r3'] })
  })

  it('RATE_LIMITED past the burst, and nothing is lost for the others', async () => {
    const a = await client('A')
    const b = await client('B')
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, index) => request<SendAck>(a, 'send', { call: 'socket.broadcast.emit', text: `m${index}` })),
    )
    const accepted = answers.filter((answer) => 'ok' in answer).length
    const limited = answers.filter((answer) => 'error' in answer && answer.error.code === 'RATE_LIMITED').length
    expect(accepted + limited).toBe(80)
    expect(limited).toBeGreaterThan(0)
    await eventually(() => expect(b.received).toHaveLength(accepted))
  })
})

describe('handshake errors carry a code', () => {
  const handshake = (path: string, auth: unknown, extra = {}): Promise<{ message: string; data?: { code: string } }> =>
    new Promise((resolve) => {
      const socket = connect(`${instance.url}${path}`, {
        forceNew: true,
        transports: ['websocket'],
        auth: auth as object,
        reconnection: false,
        ...extra,
      })
      socket.once('connect_error', (error: Error & { data?: { code: string } }) => {
        socket.disconnect()
        resolve({ message: error.message, ...(error.data ? { data: error.data } : {}) })
      })
      socket.once('connect', () => {
        socket.disconnect()
        resolve({ message: 'connected' })
      })
    })

  it('INVALID_HANDSHAKE for bad auth, with the field named', async () => {
    expect(await handshake(`/s/${space}/chat`, { label: '<script>' })).toMatchObject({
      data: { code: 'INVALID_HANDSHAKE' },
      message: expect.stringMatching(/label: label must be 1-16/),
    })
    expect(await handshake(`/s/${space}/chat`, {})).toMatchObject({ data: { code: 'INVALID_HANDSHAKE' } })
    expect(await handshake('/observe', { space: 'NOPE' })).toMatchObject({ data: { code: 'INVALID_HANDSHAKE' } })
  })

  it('unknown namespaces are refused by Socket.IO itself', async () => {
    expect(await handshake('/s/short/chat', { label: 'A' })).toMatchObject({ message: 'Invalid namespace' })
    expect(await handshake(`/s/${space}/games`, { label: 'A' })).toMatchObject({ message: 'Invalid namespace' })
  })

  it('SPACE_FULL once a space holds its maximum of sockets on this instance', async () => {
    const fullSpace = randomSpace()
    const six = await Promise.all(Array.from({ length: 6 }, (_, i) => playgroundClient(instance, fullSpace, '/chat', `C${i}`)))
    expect(await handshake(`/s/${fullSpace}/chat`, { label: 'G' })).toMatchObject({ data: { code: 'SPACE_FULL' } })
    for (const c of six) c.socket.disconnect()
    // The slots free up once the instance has seen the six disconnects.
    await eventually(async () => expect(await handshake(`/s/${fullSpace}/chat`, { label: 'G' })).toMatchObject({ message: 'connected' }))
  })

  it('refuses a page from another origin with FORBIDDEN_ORIGIN, polling (403) and websocket (400)', async () => {
    const polling = await fetch(`${instance.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'http://evil.example' } })
    expect(polling.status).toBe(403)
    expect(await polling.json()).toEqual({ code: 4, message: 'FORBIDDEN_ORIGIN' })
    // Engine.IO refuses every upgrade with 400 and the reason as the body.
    const upgrade = await new Promise<{ status: number; body: string }>((resolve) => {
      const ws = new WebSocket(`${instance.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
        headers: { Origin: 'http://evil.example' },
      })
      ws.once('unexpected-response', (_req, res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      ws.once('open', () => resolve({ status: 101, body: '' }))
    })
    expect(upgrade).toEqual({ status: 400, body: 'FORBIDDEN_ORIGIN' })
  })
})

describe('raw malformed packets', () => {
  /** Opens a raw Engine.IO websocket, sends `frames`, and resolves when the server closes it (or after 1 s). */
  const raw = (frames: (string | Buffer)[]): Promise<string> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${instance.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`)
      const timer = setTimeout(() => {
        ws.close()
        resolve('still open')
      }, 1_000)
      ws.once('open', () => {
        for (const frame of frames) ws.send(frame)
      })
      ws.once('close', () => {
        clearTimeout(timer)
        resolve('closed')
      })
      ws.once('error', () => undefined)
    })

  it.each([
    ['an unknown engine packet type', ['9garbage']],
    ['a socket.io packet with broken JSON', [`40/s/${space}/chat,{"label":"A"}`, `42/s/${space}/chat,["send",{`]],
    ['an event with a reserved name', [`40/s/${space}/chat,{"label":"A"}`, `42/s/${space}/chat,["disconnect","spoof"]`]],
    ['an event with a non-string name', [`40/s/${space}/chat,{"label":"A"}`, `42/s/${space}/chat,[{"a":1},2]`]],
    [
      'a binary attachment count that never arrives',
      [`40/s/${space}/chat,{"label":"A"}`, `451-/s/${space}/chat,["send",{"_placeholder":true,"num":0}]`],
    ],
    ['a packet over maxHttpBufferSize', [`42/s/${space}/chat,["send",{"call":"io.emit","text":"${'x'.repeat(20_000)}"}]`]],
    ['random binary', [Buffer.from([0xff, 0x00, 0x13, 0x37])]],
  ])('%s: the connection may close, the instance keeps serving', async (_name, frames) => {
    await raw(frames)
    await expectStillServing()
  })
})
