/**
 * The contract of lesson 5's lab client: scenarios written against `ResilienceConnector` only,
 * run on real instances joined through Redis (`sandbox-server/test/resilience-contract.test.ts`)
 * and on the in-memory fake (the widget's side). When they disagree, the server is the
 * reference: fix the fake. Each scenario uses its own space codes; "did not receive" is asserted
 * after a later message that must arrive (a barrier), never after a sleep.
 *
 * @example
 * for (const scenario of resilienceScenarios) it(scenario.name, () => scenario.run(createResilienceKit(world)))
 */
import { expect } from 'vitest'
import type { LabMessageEvent, PositionEvent, ResilienceHelloEvent, ResilienceNamespace } from '@realtime-workbook/sandbox-server/protocol'
import { isErrorAck, type ConnectFailure, type SandboxInstance } from '../../site/src/sandbox/connector.ts'
import type { ResilienceClient, ResilienceConnectOptions, ResilienceConnector } from '../../site/src/sandbox/resilience-client.ts'
import { eventually as waitUntil } from '../../sandbox-server/test/eventually.ts'

/** One implementation under test. */
export interface ResilienceWorld {
  connector: ResilienceConnector
  /** At least two instances. */
  instances: SandboxInstance[]
  /** A space code no other scenario uses. */
  newSpace(): string
}

/** A lab client and what it received. */
export interface LabActor {
  client: ResilienceClient
  hellos: ResilienceHelloEvent[]
  seqs: number[]
  messages: LabMessageEvent[]
  positions: PositionEvent[]
  disconnects: string[]
  /** `connect` and `seq <n>` in the order the client reported them. */
  timeline: string[]
}

const eventually = (check: () => void | Promise<void>, timeoutMs = 4_000): Promise<void> => waitUntil(check, timeoutMs, 10)

/** Per-scenario helper: opens lab clients through the connector and closes them all. */
export function createResilienceKit(world: ResilienceWorld) {
  const opened: ResilienceClient[] = []
  const at = (n: number): SandboxInstance => {
    const instance = world.instances[n]
    if (!instance) throw new Error(`no instance ${n}`)
    return instance
  }
  return {
    world,
    space: () => world.newSpace(),
    /** Connects and resolves on the first hello (rejects with the connect failure). */
    async actor(
      n: number,
      space: string,
      namespace: ResilienceNamespace,
      label: string,
      options: Partial<ResilienceConnectOptions> = {},
    ): Promise<LabActor> {
      const client = world.connector.connect({
        instance: at(n),
        space,
        namespace,
        label,
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
        ...options,
      })
      opened.push(client)
      const actor: LabActor = { client, hellos: [], seqs: [], messages: [], positions: [], disconnects: [], timeline: [] }
      client.on('connect', () => actor.timeline.push('connect'))
      client.on('lab:message', (message) => {
        actor.messages.push(message)
        actor.seqs.push(message.seq)
        actor.timeline.push(`seq ${message.seq}`)
      })
      client.on('position', (position) => actor.positions.push(position))
      client.on('disconnect', ({ reason }) => actor.disconnects.push(reason))
      await new Promise<void>((resolve, reject) => {
        client.on('connect_error', (failure: ConnectFailure) => reject(Object.assign(new Error(failure.message), { failure })))
        client.on('hello', (hello) => (actor.hellos.push(hello), resolve()))
      })
      return actor
    },
    close: () => opened.splice(0).forEach((client) => client.close()),
  }
}
export type ResilienceKit = ReturnType<typeof createResilienceKit>

export interface ResilienceScenario {
  name: string
  timeoutMs?: number
  run(kit: ResilienceKit): Promise<void>
}

/** Sends what no typed client can send: the one cast of the suite, on a test-only path. */
function rawRequest(client: ResilienceClient, event: string, payload: unknown): Promise<unknown> {
  const untyped = client.request as (event: string, payload: unknown) => Promise<unknown>
  return untyped(event, payload)
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

async function sendAll(actor: LabActor, seqs: number[]): Promise<void> {
  for (const seq of seqs) expect(await actor.client.request('lab:send', { seq })).toEqual({ ok: true })
}

/** Sender on instance 0, receiver and an uncut witness on instance 1; the receiver misses 4-6. */
async function cutAndRestore(kit: ResilienceKit, namespace: ResilienceNamespace) {
  const space = kit.space()
  const sender = await kit.actor(0, space, namespace, 'A')
  const receiver = await kit.actor(1, space, namespace, 'B')
  const witness = await kit.actor(1, space, namespace, 'W')
  await sendAll(sender, range(1, 3))
  await eventually(() => expect(receiver.seqs).toEqual(range(1, 3)))
  receiver.client.cut()
  await eventually(() => expect(receiver.disconnects).toHaveLength(1))
  await sendAll(sender, range(4, 6))
  await eventually(() => expect(witness.seqs).toEqual(range(1, 6)))
  receiver.client.restore()
  await eventually(() => expect(receiver.hellos).toHaveLength(2))
  await sendAll(sender, [7])
  await eventually(() => expect(receiver.seqs).toContain(7))
  return receiver
}

export const resilienceScenarios: ResilienceScenario[] = [
  {
    name: 'hello tells the socket its settings: heartbeat, recovery window, not recovered on a first connection',
    async run(kit) {
      const space = kit.space()
      const a = await kit.actor(0, space, '/streams', 'A')
      expect(a.hellos[0]).toMatchObject({ label: 'A', namespace: '/streams', space, recovered: false })
      expect(a.hellos[0]?.pingInterval).toBeGreaterThan(0)
      expect(a.hellos[0]?.pingTimeout).toBeGreaterThan(0)
      expect(a.hellos[0]?.maxDisconnectionDuration).toBeGreaterThan(0)
      expect(a.client.connected).toBe(true)
    },
  },
  {
    name: 'lab:send reaches the other sockets of the namespace on every instance, not the sender, another namespace or space',
    async run(kit) {
      const space = kit.space()
      const a = await kit.actor(0, space, '/pubsub', 'A')
      const b = await kit.actor(1, space, '/pubsub', 'B')
      const other = await kit.actor(1, space, '/streams', 'O')
      const stranger = await kit.actor(1, kit.space(), '/pubsub', 'S')
      await sendAll(a, [1])
      await eventually(() => expect(b.messages).toEqual([{ seq: 1, from: 'A', instance: a.hellos[0]?.instance }]))
      await sendAll(other, [99])
      const barrier = await kit.actor(0, space, '/streams', 'Z')
      await sendAll(stranger, [5])
      await sendAll(b, [2])
      await eventually(() => expect(a.seqs).toEqual([2]))
      expect(b.seqs).toEqual([1])
      expect(other.seqs).toEqual([])
      expect(barrier.seqs).toEqual([])
    },
  },
  {
    name: 'recovery on /streams: recovered, the missed ids are replayed exactly once, in order, before connect',
    async run(kit) {
      const receiver = await cutAndRestore(kit, '/streams')
      expect(receiver.client.recovered).toBe(true)
      expect(receiver.hellos[1]).toMatchObject({ recovered: true, id: receiver.hellos[0]?.id })
      expect(receiver.seqs).toEqual(range(1, 7))
      // The server writes the missed packets before its CONNECT; socket.io-client buffers them and
      // emits them first: a listener of connect sees the replay done.
      expect(receiver.timeline).toEqual(['connect', 'seq 1', 'seq 2', 'seq 3', 'seq 4', 'seq 5', 'seq 6', 'connect', 'seq 7'])
    },
  },
  {
    name: 'no recovery on /pubsub: not recovered, the missed ids are lost',
    async run(kit) {
      const receiver = await cutAndRestore(kit, '/pubsub')
      expect(receiver.client.recovered).toBe(false)
      expect(receiver.hellos[1]).toMatchObject({ recovered: false })
      expect(receiver.seqs).toEqual([1, 2, 3, 7])
    },
  },
  {
    name: 'the flaky handler: dedupe runs an id once and answers duplicate; without it the effect runs again; reset',
    async run(kit) {
      const a = await kit.actor(0, kit.space(), '/streams', 'A')
      expect(await a.client.request('flaky:configure', { dropRate: 0, delayMs: 0, dedupe: true })).toEqual({
        ok: true,
        settings: { dropRate: 0, delayMs: 0, dedupe: true },
      })
      expect(await a.client.request('flaky:work', { messageId: 'm-1', seq: 1 })).toEqual({ ok: true, duplicate: false, runs: 1 })
      expect(await a.client.request('flaky:work', { messageId: 'm-1', seq: 1 })).toEqual({ ok: true, duplicate: true, runs: 1 })
      await a.client.request('flaky:configure', { dropRate: 0, delayMs: 0, dedupe: false })
      expect(await a.client.request('flaky:work', { messageId: 'm-1', seq: 1 })).toEqual({ ok: true, duplicate: false, runs: 2 })
      expect(await a.client.request('flaky:report', {})).toMatchObject({
        ok: true,
        received: 3,
        dropped: 0,
        handled: 2,
        duplicateEffects: 1,
        uniqueIds: 1,
        dedupeSize: 1,
      })
      expect(await a.client.request('flaky:reset', {})).toEqual({ ok: true })
      expect(await a.client.request('flaky:report', {})).toMatchObject({ received: 0, handled: 0, uniqueIds: 0, dedupeSize: 0 })
    },
  },
  {
    name: 'a dropped request is never answered: the client times out for real',
    async run(kit) {
      const a = await kit.actor(0, kit.space(), '/pubsub', 'A')
      await a.client.request('flaky:configure', { dropRate: 1, delayMs: 0, dedupe: true })
      expect(await a.client.request('flaky:work', { messageId: 'lost', seq: 1 }, 300)).toMatchObject({ error: { code: 'TIMEOUT' } })
      expect(await a.client.request('flaky:report', {})).toMatchObject({ received: 1, dropped: 1, handled: 0 })
    },
  },
  {
    name: 'a position stream reaches every socket of the namespace, the requester too; one stream at a time',
    async run(kit) {
      const space = kit.space()
      const a = await kit.actor(0, space, '/streams', 'A')
      const b = await kit.actor(1, space, '/streams', 'B')
      expect(await a.client.request('lab:positions', { count: 3, everyMs: 50, volatile: false })).toEqual({ ok: true })
      expect(await a.client.request('lab:positions', { count: 3, everyMs: 50, volatile: true })).toMatchObject({ error: { code: 'BUSY' } })
      await eventually(() => {
        expect(a.positions.map((p) => p.seq)).toEqual([1, 2, 3])
        expect(b.positions.map((p) => p.seq)).toEqual([1, 2, 3])
      })
      expect(b.positions.every((p) => !p.volatile && p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)).toBe(true)
    },
  },
  {
    name: 'a storm cut drops every transport of the space on that instance: each client reconnects by itself',
    async run(kit) {
      const space = kit.space()
      const actors = await Promise.all(range(1, 3).map((n) => kit.actor(0, space, '/pubsub', `S${n}`)))
      expect(await actors[0]?.client.request('storm:cut', {})).toEqual({ ok: true, cut: 3 })
      await eventually(() => actors.forEach((actor) => expect(actor.hellos).toHaveLength(2)))
      expect(actors.map((actor) => actor.disconnects)).toEqual(Array(3).fill(['transport close']))
    },
  },
  {
    name: 'bad input gets typed errors and the socket keeps working',
    async run(kit) {
      const a = await kit.actor(0, kit.space(), '/streams', 'A')
      expect(await rawRequest(a.client, 'lab:send', { seq: -1 })).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
      expect(await rawRequest(a.client, 'flaky:work', { messageId: 'a b', seq: 1 })).toMatchObject({ error: { code: 'INVALID_PAYLOAD' } })
      expect(await rawRequest(a.client, 'lab:positions', { count: 101, everyMs: 20, volatile: false })).toMatchObject({
        error: { code: 'INVALID_PAYLOAD' },
      })
      expect(await rawRequest(a.client, 'nope', {})).toMatchObject({ error: { code: 'UNKNOWN_EVENT' } })
      const answer = await a.client.request('lab:send', { seq: 1 })
      expect(isErrorAck(answer)).toBe(false)
    },
  },
]
