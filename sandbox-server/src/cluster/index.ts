/**
 * The cluster fan-out (lesson 3) on top of the playground: events for targeted emits,
 * `fetchSockets()` and `serverSideEmit()` answered by the whole cluster, the per-space Redis
 * outage simulation, and the Redis tap feeding the trace.
 *
 * @module
 */
import { z } from 'zod'
import { SandboxError } from '../errors/index.ts'
import type { Tracer } from '../observe/index.ts'
import type { EventRegistrar, PlaygroundExtension, PlaygroundNsp } from '../playground/index.ts'
import { directPayloadSchema, simulateOutageSchema } from '../protocol/schemas.ts'
import {
  CLUSTER_NAMESPACES,
  directEmitLine,
  type ClusterNamespace,
  type FetchSocketsAck,
  type LearnerNamespace,
  type MessageEvent,
  type RemoteSocketInfo,
  type ServerSideEmitAck,
} from '../protocol/index.ts'
import type { OutageSimulation } from './adapter.ts'

export { clusterAdapterFactory, forgivingPublisher, OutageSimulation } from './adapter.ts'
export { createRedisTap, decodeTraffic } from './tap.ts'

const isClusterNamespace = (namespace: LearnerNamespace): namespace is ClusterNamespace =>
  (CLUSTER_NAMESPACES as readonly string[]).includes(namespace)

/** Answers another instance's `serverSideEmit('census')` with this instance's local sockets. */
const censusReady = new WeakSet<PlaygroundNsp>()
function answerCensus(nsp: PlaygroundNsp, instanceId: string): void {
  if (censusReady.has(nsp)) return
  censusReady.add(nsp)
  nsp.on(
    'census' as never,
    ((ack: (answer: { instance: string; sockets: number }) => void) => {
      if (typeof ack === 'function') ack({ instance: instanceId, sockets: nsp.sockets.size })
    }) as never,
  )
}

const timeoutToSandboxError = (error: unknown): never => {
  throw new SandboxError('CLUSTER_TIMEOUT', `could not get the other instances to answer (${(error as Error).message}): is Redis down?`)
}

/**
 * The cluster events, registered once per cluster namespace (nothing on the others), and the
 * census answer of each cluster namespace this instance has. Pass it as the playground's `extend`.
 *
 * @example
 * attachPlayground(io, { ...options, extend: clusterEvents('i1', tracer, { localOnly: false }) })
 */
export function clusterEvents(
  instanceId: string,
  tracer: Tracer,
  options: { /** No Redis at all: `/with-redis` runs on the in-memory adapter too. */ localOnly: boolean },
): PlaygroundExtension {
  return {
    events(on, namespace) {
      if (isClusterNamespace(namespace)) registerClusterEvents(on, namespace, tracer, options)
    },
    connected(socket) {
      if (isClusterNamespace(socket.data.namespace)) answerCensus(socket.nsp as PlaygroundNsp, instanceId)
    },
  }
}

/** `cluster:direct`, `cluster:fetch-sockets` and `cluster:server-side-emit` on `namespace`. */
function registerClusterEvents(on: EventRegistrar, namespace: ClusterNamespace, tracer: Tracer, options: { localOnly: boolean }): void {
  on('cluster:direct', directPayloadSchema, ({ to, text }, { space, me, nsp, nextTraceId }) => {
    const msg: MessageEvent = { traceId: nextTraceId(), call: 'io.to(socketId).emit', from: me.label, text, rooms: [] }
    const serverLine = directEmitLine(namespace, to)
    tracer.emit(space, { kind: 'call', namespace, ...me, traceId: msg.traceId, call: 'io.to(socketId).emit', serverLine, rooms: [], text })
    nsp.to(to).emit('message', msg)
    return { ok: true as const, traceId: msg.traceId }
  })

  on('cluster:fetch-sockets', z.object({}).strict(), async (_payload, { nsp }): Promise<FetchSocketsAck> => {
    const remote = await nsp.fetchSockets().catch(timeoutToSandboxError)
    const sockets: RemoteSocketInfo[] = remote.map((s) => ({
      socketId: s.id,
      label: s.data.label,
      instance: s.data.instance,
      rooms: [...s.rooms].filter((room) => room !== s.id).sort(),
    }))
    return { ok: true, sockets: sockets.sort((a, b) => a.label.localeCompare(b.label)) }
  })

  on('cluster:server-side-emit', z.object({}).strict(), async (_payload, { nsp }): Promise<ServerSideEmitAck> => {
    // serverSideEmit() reaches the OTHER instances only: the caller never hears its own. The
    // in-memory adapter has nobody to ask (and its serverSideEmit never calls back): no answers,
    // which is the point of /without-redis and the truth without Redis.
    if (namespace === '/without-redis' || options.localOnly) return { ok: true, answers: [] }
    const ask = nsp as unknown as { serverSideEmitWithAck(event: string): Promise<{ instance: string; sockets: number }[]> }
    const others = await ask.serverSideEmitWithAck('census').catch(timeoutToSandboxError)
    return { ok: true, answers: others.sort((a, b) => a.instance.localeCompare(b.instance)) }
  })
}

/**
 * Handles an observer's request to simulate a Redis outage for its space on this instance.
 *
 * @example
 * observerSocket.on('redis:simulate-outage', simulateOutageHandler(space, outages, tracer))
 */
export function simulateOutageHandler(space: string, outages: OutageSimulation, tracer: Tracer) {
  return (payload: unknown, ack?: unknown): void => {
    const reply = typeof ack === 'function' ? (ack as (answer: unknown) => void) : () => undefined
    const parsed = simulateOutageSchema.safeParse(payload)
    if (!parsed.success) {
      reply(new SandboxError('INVALID_PAYLOAD', 'redis:simulate-outage: expected { down: true | false }').toAck())
      return
    }
    outages.set(space, parsed.data.down)
    tracer.emit(space, { kind: 'outage', namespace: '/with-redis', down: parsed.data.down })
    reply({ ok: true, down: parsed.data.down })
  }
}
