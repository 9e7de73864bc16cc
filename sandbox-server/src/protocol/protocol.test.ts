import { describe, expect, it } from 'vitest'
import {
  ACK_CHECKS,
  callRooms,
  CLUSTER_NAMESPACES,
  directEmitLine,
  emitterLine,
  explain,
  isHealthBody,
  isSpaceStats,
  isHelloEvent,
  isMessageEvent,
  isPollAnswer,
  isSandboxDirectory,
  isTraceEvent,
  isWsServerMessage,
  LABEL_PATTERN,
  LEARNER_NAMESPACES,
  parseSpaceNamespace,
  PLAYGROUND_NAMESPACES,
  ROOM_NAME_PATTERN,
  SEND_CALLS,
  sendRoomsProblem,
  serverLine,
  SOCKET_ID_PATTERN,
  SPACE_CODE_PATTERN,
  SPACE_NAMESPACE_PATTERN,
  OPEN_NAMESPACE_PATTERN,
  SECURE_NAMESPACE_PATTERN,
  spaceNamespace,
  type TraceEvent,
  isPositionEvent,
  MESSAGE_ID_PATTERN,
  parseResilienceNamespace,
  RESILIENCE_ACK_CHECKS,
  RESILIENCE_NAMESPACE_PATTERN,
  resilienceNamespace,
} from './index.ts'
import {
  directPayloadSchema,
  flakySettingsSchema,
  flakyWorkSchema,
  observeAuthSchema,
  playgroundAuthSchema,
  positionsSchema,
  roomNameSchema,
  sendPayloadSchema,
} from './schemas.ts'

describe('protocol rules', () => {
  it('validate rooms like the server schema', () => {
    for (const room of ['paris', 'team-1', '0', 'a'.repeat(16), '', '-x', 'Paris', 'a'.repeat(17), 'a'.repeat(25), 'a b']) {
      expect(ROOM_NAME_PATTERN.test(room), room).toBe(roomNameSchema.safeParse(room).success)
    }
    expect(ROOM_NAME_PATTERN.source).toBe('^[a-z0-9][a-z0-9-]{0,15}$')
  })

  it('validate labels, space codes and socket ids like the server schemas', () => {
    for (const label of ['A', 'Zoé', 'a b_c-1', 'x'.repeat(16), 'x'.repeat(17), '', '<img>']) {
      expect(LABEL_PATTERN.test(label), label).toBe(playgroundAuthSchema.safeParse({ label }).success)
    }
    for (const space of ['k7q2mx', 'K7Q2MX', 'k7q2m', 'k7q2mxx', 'k7q-mx']) {
      expect(SPACE_CODE_PATTERN.test(space), space).toBe(observeAuthSchema.safeParse({ space }).success)
    }
    for (const to of ['a'.repeat(20), 'Ab_-'.repeat(5), 'a'.repeat(19), 'a'.repeat(21), 'a.'.repeat(10)]) {
      expect(SOCKET_ID_PATTERN.test(to), to).toBe(directPayloadSchema.safeParse({ to, text: 'hi' }).success)
    }
  })

  it('know how many rooms each call takes, like the server schema, with its message', () => {
    for (const call of SEND_CALLS) {
      const kind = callRooms(call)
      const ok = (rooms: string[]) => sendPayloadSchema.safeParse({ call, rooms, text: 'hi' }).success
      expect(ok([]), call).toBe(kind === 'none')
      expect(ok(['paris']), call).toBe(kind !== 'none')
      expect(ok(['paris', 'lyon']), call).toBe(kind === 'some')
    }
    const parsed = sendPayloadSchema.safeParse({ call: 'io.emit', rooms: ['paris'], text: 'hi' })
    expect(parsed.error?.issues[0]?.message).toBe(sendRoomsProblem('io.emit', 1))
    expect(sendRoomsProblem('io.emit', 1)).toBe('io.emit takes no rooms')
  })
})

describe('space namespaces', () => {
  it('round-trip every learner namespace, and nothing else', () => {
    expect(LEARNER_NAMESPACES).toEqual([...PLAYGROUND_NAMESPACES, ...CLUSTER_NAMESPACES, '/secure'])
    for (const namespace of LEARNER_NAMESPACES) {
      expect(parseSpaceNamespace(spaceNamespace('k7q2mx', namespace))).toEqual({ space: 'k7q2mx', namespace })
    }
    for (const wire of ['/s/k7q2mx/other', '/s/K7Q2MX/chat', '/s/k7q2mx/chat/x', '/chat', '/s/k7q2m/chat']) {
      expect(parseSpaceNamespace(wire), wire).toBeNull()
    }
    expect(SPACE_NAMESPACE_PATTERN.test('/s/k7q2mx/with-redis')).toBe(true)
    // The playground serves the open namespaces only; /secure has its own (token) handshake.
    expect(OPEN_NAMESPACE_PATTERN.test('/s/k7q2mx/secure')).toBe(false)
    expect(SECURE_NAMESPACE_PATTERN.test('/s/k7q2mx/secure')).toBe(true)
    expect(SECURE_NAMESPACE_PATTERN.test('/s/k7q2mx/chat')).toBe(false)
  })
})

describe('server lines', () => {
  it('print the exact lines the instance and the emitter run', () => {
    expect(serverLine('socket.to(room).emit', '/chat', ['paris'])).toBe('socket.to("paris").emit("message", msg)')
    expect(serverLine('io.to(rooms).emit', '/admin', ['paris', 'lyon'])).toBe('io.of("/admin").to(["paris", "lyon"]).emit("message", msg)')
    expect(directEmitLine('/with-redis', 'abc')).toBe('io.of("/with-redis").to("abc").emit("message", msg)')
    expect(emitterLine()).toBe('emitter.of("/with-redis").emit("message", msg)')
    expect(emitterLine('paris')).toBe('emitter.of("/with-redis").to("paris").emit("message", msg)')
  })
})

const error = { error: { code: 'RATE_LIMITED', message: 'slow down' } }

describe('checks of what the browser receives', () => {
  it('accept every ack and error ack, and name what is wrong in a malformed one', () => {
    expect(ACK_CHECKS['room:join']({ ok: true, rooms: ['paris'] })).toBe(true)
    expect(ACK_CHECKS.send({ ok: true, traceId: 'i1.x.0', extra: 'kept' })).toBe(true)
    expect(ACK_CHECKS['cluster:fetch-sockets']({ ok: true, sockets: [{ socketId: 's', label: 'A', instance: 'i1', rooms: [] }] })).toBe(
      true,
    )
    expect(ACK_CHECKS['cluster:server-side-emit']({ ok: true, answers: [{ instance: 'i1', sockets: 2 }] })).toBe(true)
    expect(ACK_CHECKS['redis:simulate-outage']({ ok: true, down: false })).toBe(true)
    for (const check of Object.values(ACK_CHECKS)) expect(check(error)).toBe(true)

    expect(explain(ACK_CHECKS['room:join'], { ok: true, rooms: ['paris', 3] }, 'room:join answer')).toBe(
      'room:join answer.rooms[1]: unexpected value',
    )
    expect(explain(ACK_CHECKS.send, { error: { code: 'NOPE', message: 'x' } }, 'send answer')).toBe(
      'send answer.error.code: unexpected value',
    )
    expect(ACK_CHECKS.send(undefined)).toBe(false)
    expect(ACK_CHECKS.send({ ok: true })).toBe(false)
    expect(ACK_CHECKS['cluster:server-side-emit']({ ok: true, answers: [{ instance: 'i1', sockets: '2' }] })).toBe(false)
  })

  it('accept the events a widget receives and reject malformed ones', () => {
    expect(isHelloEvent({ instance: 'i1', socketId: 's1', namespace: '/chat', space: 'k7q2mx', fanout: 'redis' })).toBe(true)
    expect(isHelloEvent({ instance: 'i1', socketId: 's1', namespace: '/chat', space: 'k7q2mx', fanout: 'maybe' })).toBe(false)
    const message = { traceId: 't', call: 'io.to(socketId).emit', from: 'A', text: 'hi', rooms: [] }
    expect(isMessageEvent(message)).toBe(true)
    expect(isMessageEvent({ ...message, call: 'io.broadcast' })).toBe(false)
  })

  it('accept every kind of trace event', () => {
    const base = { at: 1, instance: 'i1', namespace: '/with-redis' } as const
    const who = { ...base, socketId: 's1', label: 'A' }
    const events: TraceEvent[] = [
      { ...who, kind: 'connect' },
      { ...who, kind: 'disconnect', reason: 'transport close' },
      { ...who, kind: 'join', room: 'paris', rooms: ['paris'] },
      { ...who, kind: 'call', traceId: 't', call: 'socket.emit', serverLine: 'x', rooms: [], text: 'hi' },
      { ...base, kind: 'delivery', traceId: 't', recipients: [{ socketId: 's2', label: 'B' }] },
      { ...who, kind: 'error', code: 'ROOM_LIMIT', message: 'full' },
      {
        ...base,
        kind: 'redis',
        key: 'k',
        channel: 'c',
        type: 'broadcast',
        publishedBy: null,
        rooms: [],
        except: ['s1'],
        packetType: 'EVENT',
        event: 'message',
        traceId: null,
        bytes: 90,
        subscribed: true,
      },
      { ...base, kind: 'outage', down: true },
      { at: 1, instance: 'i1', kind: 'log', level: 'warn', msg: 'refused', code: 'RATE_LIMITED', event: 'send', namespace: '/chat' },
      { at: 1, instance: 'i1', kind: 'log', level: 'info', msg: 'a line with no code' },
    ]
    for (const event of events) expect(isTraceEvent(event), event.kind).toBe(true)
    expect(isTraceEvent({ ...who, kind: 'teleport' })).toBe(false)
    expect(isTraceEvent({ ...base, kind: 'delivery', traceId: 't', recipients: [{ socketId: 's2' }] })).toBe(false)
    expect(explain(isTraceEvent, { kind: 'connect' }, 'trace')).toBe('trace: unexpected value')
    expect(isTraceEvent({ at: 1, instance: 'i1', kind: 'log', level: 'loud', msg: 'x' })).toBe(false)
    expect(isTraceEvent({ at: 1, instance: 'i1', kind: 'log', level: 'warn', msg: 'x', code: 7 })).toBe(false)
  })

  it("accept a space's stats and reject malformed ones", () => {
    const stats = {
      instance: 'i1',
      space: 'k7q2mx',
      windowSeconds: 10,
      connections: 2,
      eventsInPerSecond: 0.5,
      eventsOutPerSecond: 1,
      ackP50Ms: 0.4,
      ackP99Ms: null,
      rejectedHandshakes: 0,
      rateLimited: 3,
      oversizedPackets: 0,
      instanceTotals: {
        connections: 5,
        eventsInPerSecond: 4,
        eventsOutPerSecond: 12,
        ackP50Ms: 0.3,
        ackP99Ms: 2,
        rejectedHandshakes: 1,
        rateLimited: 3,
        oversizedPackets: 1,
      },
    }
    expect(isSpaceStats(stats)).toBe(true)
    expect(isSpaceStats({ ...stats, ackP50Ms: '1' })).toBe(false)
    expect(isSpaceStats({ ...stats, instanceTotals: { rejectedHandshakes: 1, rateLimited: 3 } })).toBe(false)
    expect(isSpaceStats({ ...stats, oversizedPackets: undefined })).toBe(false)
  })

  it('accept /sandbox.json, /healthz and transport answers, and reject malformed ones', () => {
    expect(isSandboxDirectory({ instances: [{ id: 'i1', port: 4001 }], fanout: 'local-only' })).toBe(true)
    expect(isSandboxDirectory({ instances: [{ id: 'i1', port: 4001 }], emitter: { port: 4004 }, fanout: 'redis' })).toBe(true)
    expect(explain(isSandboxDirectory, { instances: [{ id: 1, port: 4001 }], fanout: 'redis' }, '/sandbox.json')).toBe(
      '/sandbox.json.instances[0].id: unexpected value',
    )
    expect(isSandboxDirectory({ instances: [{ id: 'i1', port: '4001' }], fanout: 'redis' })).toBe(false)
    expect(isSandboxDirectory({ instances: [], emitter: { port: 'x' }, fanout: 'redis' })).toBe(false)
    const health = {
      status: 'degraded',
      instance: 'i1',
      fanout: 'redis-down',
      redis: 'down',
      sockets: 0,
      spaces: 0,
      uptimeSeconds: 3,
      slotStreams: 0,
      observers: 0,
    }
    expect(isHealthBody(health)).toBe(true)
    expect(explain(isHealthBody, { ...health, sockets: null }, 'healthz')).toBe('healthz.sockets: unexpected value')
    expect(isPollAnswer({ events: [{ id: 1, sentAt: 2, data: '' }], cursor: 1, timedOut: false, gap: false })).toBe(true)
    expect(isPollAnswer({ events: [{ id: '1', sentAt: 2, data: '' }], cursor: 1, timedOut: false, gap: false })).toBe(false)
    expect(isWsServerMessage({ type: 'ack', text: 'hi', receivedAt: 1 })).toBe(true)
    expect(isWsServerMessage({ type: 'error', error: { code: 'INVALID_PAYLOAD', message: 'x' } })).toBe(true)
    expect(isWsServerMessage({ type: 'ack' })).toBe(false)
  })
})

describe('resilience lab protocol (lesson 5)', () => {
  it('names and parses the lab namespaces', () => {
    expect(resilienceNamespace('k7q2mx', '/streams')).toBe('/s/k7q2mx/streams')
    expect(parseResilienceNamespace('/s/k7q2mx/pubsub')).toEqual({ space: 'k7q2mx', namespace: '/pubsub' })
    expect(parseResilienceNamespace('/s/k7q2mx/chat')).toBeNull()
    expect(RESILIENCE_NAMESPACE_PATTERN.source).toBe('^\\/s\\/([a-z0-9]{6})(\\/streams|\\/pubsub)$')
  })

  it('validate message ids like the server schema, and check acks and events', () => {
    for (const messageId of ['m-1', 'a'.repeat(64), 'a'.repeat(65), '', 'x y', 'A_b:c.d-1']) {
      expect(MESSAGE_ID_PATTERN.test(messageId), messageId).toBe(flakyWorkSchema.safeParse({ messageId, seq: 1 }).success)
    }
    expect(RESILIENCE_ACK_CHECKS['flaky:work']({ ok: true, duplicate: false, runs: 1 })).toBe(true)
    expect(RESILIENCE_ACK_CHECKS['storm:cut']({ error: { code: 'RATE_LIMITED', message: 'wait', retryAfterMs: 1000 } })).toBe(true)
    expect(RESILIENCE_ACK_CHECKS['wire:measure']({ ok: true, results: [] })).toBe(false)
    expect(isPositionEvent({ seq: 1, x: 0.5, y: 0.5, volatile: true, sentAt: 1 })).toBe(true)
    expect(positionsSchema.safeParse({ count: 101, everyMs: 20, volatile: false }).success).toBe(false)
    expect(flakySettingsSchema.safeParse({ dropRate: 1.5, delayMs: 0, dedupe: true }).success).toBe(false)
  })
})
