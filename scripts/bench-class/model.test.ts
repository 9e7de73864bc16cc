import { describe, expect, it } from 'vitest'
import type { SendCall } from '../../sandbox-server/src/protocol/index.ts'
import { knee, learnerClients, nextStep, parseSizes, recipients, type ModelClient } from './model.ts'
import { seeded } from '../../tests/support/seeded.ts'

const find = (clients: ModelClient[], namespace: string, label: string) =>
  clients.find((c) => c.namespace === namespace && c.label === label) as ModelClient

describe('the learner model', () => {
  it('opens 3 playground clients and 3 per fan-out lane, one per instance', () => {
    const clients = learnerClients()
    expect(clients).toHaveLength(9)
    expect(clients.filter((c) => c.namespace === '/with-redis').map((c) => c.instance)).toEqual([0, 1, 2])
  })

  it('expects the recipients each call reaches, and only the sender instance without Redis', () => {
    const clients = learnerClients()
    const [a, b, c] = ['A', 'B', 'C'].map((label) => find(clients, '/chat', label)) as [ModelClient, ModelClient, ModelClient]
    a.rooms.add('paris')
    b.rooms.add('paris')
    c.rooms.add('lyon')
    const send = (client: ModelClient, call: SendCall, rooms: string[] = []) =>
      recipients(clients, { kind: 'send', client, call, rooms }).map((r) => r.label)
    expect(send(a, 'socket.emit')).toEqual([])
    expect(send(a, 'socket.broadcast.emit')).toEqual(['B', 'C'])
    expect(send(a, 'socket.to(room).emit', ['paris'])).toEqual(['B'])
    expect(send(a, 'io.to(room).emit', ['paris'])).toEqual(['A', 'B'])
    expect(send(a, 'io.to(rooms).emit', ['paris', 'lyon'])).toEqual(['A', 'B', 'C'])
    expect(send(a, 'io.emit')).toEqual(['A', 'B', 'C'])
    const offA = find(clients, '/without-redis', 'A')
    expect(send(offA, 'io.emit')).toEqual(['A'])
    expect(recipients(clients, { kind: 'direct', client: offA, to: find(clients, '/without-redis', 'B') })).toEqual([])
    const onA = find(clients, '/with-redis', 'A')
    expect(recipients(clients, { kind: 'direct', client: onA, to: find(clients, '/with-redis', 'C') }).map((r) => r.label)).toEqual(['C'])
  })

  it('takes every kind of step, in bounds', () => {
    const clients = learnerClients()
    const random = seeded(7)
    const kinds = new Set<string>()
    for (let n = 0; n < 2000; n += 1) {
      const step = nextStep(clients, random)
      kinds.add(step.kind)
      if (step.kind === 'join') step.client.rooms.add(step.room)
      if (step.kind === 'leave') step.client.rooms.delete(step.room)
      if (step.kind === 'send') expect(step.rooms.length).toBeLessThanOrEqual(2)
      expect(step.client.rooms.size).toBeLessThanOrEqual(3)
    }
    expect([...kinds].sort()).toEqual(['direct', 'fetch-sockets', 'join', 'leave', 'send', 'server-side-emit'])
  })

  it('finds the knee: the first size over the p99 limit or with an error', () => {
    expect(
      knee([
        { learners: 100, deliveryP99Ms: 40, errors: 0 },
        { learners: 50, deliveryP99Ms: 20, errors: 0 },
      ]),
    ).toBeNull()
    expect(knee([{ learners: 50, deliveryP99Ms: 20, errors: 1 }])).toBe(50)
    expect(
      knee([
        { learners: 50, deliveryP99Ms: 20, errors: 0 },
        { learners: 200, deliveryP99Ms: 101, errors: 0 },
      ]),
    ).toBe(200)
    expect(knee([{ learners: 50, deliveryP99Ms: Number.NaN, errors: 0 }])).toBe(50)
  })

  it('parses the class sizes', () => {
    expect(parseSizes('50, 100')).toEqual([50, 100])
    expect(() => parseSizes('50,x')).toThrow(/BENCH_CLASS_SIZES/)
    expect(() => parseSizes('0')).toThrow()
  })
})
