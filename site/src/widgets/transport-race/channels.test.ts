// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { longPolling, sse, websocket, type ChannelState } from './channels.ts'
import { createFakeClients, streamEvent } from './fake-clients.ts'

function context(after = 0) {
  const clients = createFakeClients()
  const events: number[] = []
  const states: [ChannelState, string | undefined][] = []
  const codes: number[] = []
  const hooks = {
    event: (e: { id: number }) => void events.push(e.id),
    state: (s: ChannelState, note?: string) => void states.push([s, note]),
    closed: (code: number) => void codes.push(code),
  }
  return { clients, events, states, codes, ctx: { clients, base: 'http://localhost:4001', space: 'aaaaaa', after, hooks, retryMs: 10 } }
}

describe('long polling', () => {
  it('loops with the cursor, survives a failed request and stops on stop()', async () => {
    const { clients, events, states, ctx } = context(5)
    const channel = longPolling(ctx)
    await vi.waitFor(() => expect(clients.polls).toHaveLength(1))
    expect(clients.polls[0]!.url).toBe('http://localhost:4001/t/aaaaaa/poll?after=5&waitMs=20000')
    clients.polls[0]!.resolve({ events: [streamEvent(6), streamEvent(7)], cursor: 7, timedOut: false, gap: false })
    await vi.waitFor(() => expect(clients.polls).toHaveLength(2))
    expect(clients.polls[1]!.url).toContain('after=7')
    clients.polls[1]!.reject(new TypeError('Failed to fetch')) // the cut
    await vi.waitFor(() => expect(clients.polls).toHaveLength(3))
    expect(states.map((s) => s[0])).toEqual(['open', 'reconnecting'])
    expect(clients.polls[2]!.url).toContain('after=7') // asks again from the same cursor
    clients.polls[2]!.resolve({ events: [streamEvent(8)], cursor: 8, timedOut: false, gap: false })
    await vi.waitFor(() => expect(clients.polls).toHaveLength(4))
    expect(states.at(-1)?.[0]).toBe('open')
    expect(events).toEqual([6, 7, 8])

    channel.stop()
    expect(clients.polls[3]!.signal.aborted).toBe(true)
    await new Promise((r) => setTimeout(r, 50))
    expect(clients.polls).toHaveLength(4) // no request after stop
    expect(states.at(-1)?.[0]).toBe('closed')
  })

  it('sends with a separate POST', async () => {
    const { clients, ctx } = context()
    clients.routes['/messages'] = () => ({ ok: true })
    const channel = longPolling(ctx)
    expect(await channel.send('hi')).toMatch(/separate POST: 1 extra HTTP request/)
    expect(clients.requests[0]).toEqual({ url: 'http://localhost:4001/t/aaaaaa/messages', body: { via: 'long-polling', text: 'hi' } })
    channel.stop()
  })
})

describe('SSE', () => {
  it('resumes from the start id and reports EventSource reconnecting by itself', () => {
    const { clients, events, states, ctx } = context(3)
    const channel = sse(ctx)
    const es = clients.sources[0]!
    expect(es.url).toBe('http://localhost:4001/t/aaaaaa/sse?lastEventId=3')
    es.open()
    es.emit('message', streamEvent(4))
    es.drop()
    expect(states.at(-1)?.[0]).toBe('reconnecting')
    es.open()
    es.emit('hello', { instance: 'i1', resumeFrom: 4 })
    expect(states.at(-1)).toEqual(['open', 'EventSource reconnected by itself (1×); the server resumed after Last-Event-ID 4'])
    expect(events).toEqual([4])
    channel.stop()
    expect(es.readyState).toBe(2)
  })
})

describe('WebSocket', () => {
  it('reopens from our code after 1006 with ?after=<last id>, not after a clean 1000', async () => {
    const { clients, events, states, codes, ctx } = context(0)
    const channel = websocket(ctx)
    const first = clients.sockets[0]!
    expect(first.url).toBe('ws://localhost:4001/t/aaaaaa/ws?after=0')
    first.open()
    first.emit(streamEvent(1))
    first.emit(streamEvent(2))
    first.end(1006)
    expect(codes).toEqual([1006])
    expect(states.at(-1)?.[1]).toMatch(/closed with 1006 \(abnormal: no close frame\): reconnecting \(our code\)/)
    await vi.waitFor(() => expect(clients.sockets).toHaveLength(2))
    const second = clients.sockets[1]!
    expect(second.url).toBe('ws://localhost:4001/t/aaaaaa/ws?after=2')
    second.open()
    expect(states.at(-1)).toEqual(['open', 'reopened by our code with ?after=2'])
    second.emit(streamEvent(3))
    expect(events).toEqual([1, 2, 3])

    const ack = channel.send('ping')
    expect(JSON.parse(second.sent[0]!)).toEqual({ type: 'message', text: 'ping' })
    second.emit({ type: 'ack', text: 'ping', receivedAt: Date.now() })
    expect(await ack).toMatch(/on the socket: 0 extra HTTP requests/)

    channel.closeClean!()
    expect(codes).toEqual([1006, 1000])
    expect(states.at(-1)?.[1]).toMatch(/closed cleanly with 1000/)
    await new Promise((r) => setTimeout(r, 50))
    expect(clients.sockets).toHaveLength(2) // nothing reopens a clean close
    channel.reopen!()
    expect(clients.sockets[2]!.url).toContain('after=3')
    channel.stop()
  })
})
