/**
 * The class benchmark's model of one learner, pure (no sockets): the clients the lesson 2 and
 * lesson 3 widgets open, the steps a learner takes in them, who must receive each send, and the
 * knee of a run. The driver (driver.ts) plays it against the real cluster.
 *
 * What a learner opens (site/src/widgets/room-playground, cluster-fanout, sandbox/session.ts):
 * - per widget, one observer per instance on `/observe` (auth `{ space }`): 2 widgets x 3;
 * - the room playground's clients, as lesson 2 has them added: A on i1, B on i2, C on i3, `/chat`;
 * - the cluster fan-out's "3 clients per lane, one per instance": A, B, C on `/with-redis` and on
 *   `/without-redis`;
 * - the session's `/healthz` polling of every instance, every 5 s, for the widget on screen.
 *
 * @module
 */
import { callRooms, SEND_CALLS, type LearnerNamespace, type SendCall } from '../../sandbox-server/src/protocol/index.ts'

export const QUICK_ROOMS = ['paris', 'lyon', 'marseille'] as const
/** Instances of the cluster, by index in the directory. */
export const INSTANCES = 3
export const OBSERVERS_PER_LEARNER = 2 * INSTANCES
/** The cluster fan-out's send calls (its send form), `io.to(socketId).emit` being `cluster:direct`. */
export const FANOUT_CALLS = [
  'io.emit',
  'socket.broadcast.emit',
  'socket.to(room).emit',
  'io.to(room).emit',
  'io.to(socketId).emit',
] as const
export type FanoutCall = (typeof FANOUT_CALLS)[number]

/** One virtual client of a learner, as the widget's card knows it. */
export interface ModelClient {
  label: string
  namespace: Extract<LearnerNamespace, '/chat' | '/with-redis' | '/without-redis'>
  /** Index of its instance (0..2). */
  instance: number
  rooms: Set<string>
}

/** The learner's clients: 3 in the playground, 3 per lane in the fan-out. */
export function learnerClients(): ModelClient[] {
  const namespaces: ModelClient['namespace'][] = ['/chat', '/with-redis', '/without-redis']
  return namespaces.flatMap((namespace) =>
    ['A', 'B', 'C'].map((label, instance) => ({ label, namespace, instance, rooms: new Set<string>() })),
  )
}

/** A step of the lessons, as a learner clicks it. */
export type Step =
  | { kind: 'join' | 'leave'; client: ModelClient; room: string }
  | { kind: 'send'; client: ModelClient; call: SendCall; rooms: string[] }
  | { kind: 'direct'; client: ModelClient; to: ModelClient }
  | { kind: 'fetch-sockets' | 'server-side-emit'; client: ModelClient }

/** `random()` in [0, 1): Math.random, or a seeded one in tests. */
export type Random = () => number
const pick = <T>(list: readonly T[], random: Random): T => list[Math.floor(random() * list.length)] as T

/** Rooms for a call that needs some: one for `to(room)`, one or two for `io.to(rooms)`. */
function roomsFor(call: SendCall, client: ModelClient, random: Random): string[] {
  const need = callRooms(call)
  if (need === 'none') return []
  // A learner mostly sends to a room the sender is in (what the lesson asks), else any quick room.
  const own = [...client.rooms]
  const first = own.length && random() < 0.7 ? pick(own, random) : pick(QUICK_ROOMS, random)
  if (need === 'one' || random() < 0.5) return [first]
  const second = pick(
    QUICK_ROOMS.filter((room) => room !== first),
    random,
  )
  return [first, second]
}

/**
 * The next step of a learner, weighted as the lessons go: mostly sends, some joins and leaves,
 * now and then a `fetchSockets()` / `serverSideEmit()` in lesson 3.
 *
 * @example
 * const step = nextStep(learnerClients(), Math.random) // e.g. { kind: 'join', client, room: 'paris' }
 */
export function nextStep(clients: ModelClient[], random: Random): Step {
  const client = pick(clients, random)
  const roll = random()
  if (roll < 0.25) {
    const free = QUICK_ROOMS.filter((room) => !client.rooms.has(room))
    if (free.length) return { kind: 'join', client, room: pick(free, random) }
  }
  if (roll < 0.32 && client.rooms.size) return { kind: 'leave', client, room: pick([...client.rooms], random) }
  if (client.namespace === '/chat') {
    const call = pick(SEND_CALLS, random)
    return { kind: 'send', client, call, rooms: roomsFor(call, client, random) }
  }
  if (roll > 0.92) return { kind: roll > 0.96 ? 'server-side-emit' : 'fetch-sockets', client }
  const call = pick(FANOUT_CALLS, random)
  if (call === 'io.to(socketId).emit') {
    const others = clients.filter((c) => c.namespace === client.namespace && c !== client)
    return { kind: 'direct', client, to: pick(others, random) }
  }
  return { kind: 'send', client, call, rooms: roomsFor(call, client, random) }
}

/**
 * The learner's clients that must receive a send (all of them are the learner's own: a space is
 * private). `/without-redis` reaches only the sender's instance: that is lesson 3's point.
 *
 * @example
 * recipients(clients, { kind: 'send', client: a, call: 'io.emit', rooms: [] }) // every client of a's namespace
 */
export function recipients(clients: ModelClient[], step: Extract<Step, { kind: 'send' | 'direct' }>): ModelClient[] {
  const sender = step.client
  const peers = clients.filter(
    (c) => c.namespace === sender.namespace && (sender.namespace !== '/without-redis' || c.instance === sender.instance),
  )
  if (step.kind === 'direct') return peers.filter((c) => c === step.to)
  const inRooms = (c: ModelClient) => step.rooms.some((room) => c.rooms.has(room))
  switch (step.call) {
    case 'socket.emit':
      return []
    case 'socket.broadcast.emit':
      return peers.filter((c) => c !== sender)
    case 'socket.to(room).emit':
      return peers.filter((c) => c !== sender && inRooms(c))
    case 'io.to(room).emit':
    case 'io.to(rooms).emit':
      return peers.filter(inRooms)
    case 'io.emit':
      return peers
  }
}

/** What a run at one class size measured, as far as the knee needs it. */
export interface KneeInput {
  learners: number
  deliveryP99Ms: number
  errors: number
}

/**
 * The first class size whose delivery p99 is over `limitMs` or that had any error, or `null`
 * when every size held.
 *
 * @example
 * knee([{ learners: 50, deliveryP99Ms: 20, errors: 0 }, { learners: 100, deliveryP99Ms: 140, errors: 0 }]) // => 100
 */
export function knee(runs: readonly KneeInput[], limitMs = 100): number | null {
  const sorted = [...runs].sort((a, b) => a.learners - b.learners)
  return sorted.find((run) => !(run.deliveryP99Ms <= limitMs) || run.errors > 0)?.learners ?? null
}

/**
 * Parses a list of class sizes (`"50,100,200,300"`), each 1-2000.
 *
 * @example
 * parseSizes('50, 100') // => [50, 100]
 */
export function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((part) => Number(part.trim()))
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 2000)) {
    throw new Error(`BENCH_CLASS_SIZES="${text}": a comma-separated list of whole numbers 1-2000`)
  }
  return sizes
}
