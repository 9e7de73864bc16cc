/**
 * The resilience lab's events (lesson 5) on one lab socket: `lab:send`, `lab:positions`, the
 * flaky handler (`flaky:*`), `storm:cut` and `wire:measure`, each rate-limited (the socket's
 * bucket, then the space's cluster-wide budget in Redis), validated with its zod schema and
 * always answered with an ack or a typed error, except a `flaky:work` the flaky handler drops
 * on purpose (no ack: the client times out for real). Unknown events answer `UNKNOWN_EVENT`.
 *
 * @module
 */
import type { Namespace, Socket } from 'socket.io'
import { z } from 'zod'
import { parseOrThrow, SandboxError } from '../errors/index.ts'
import type { SandboxLogger } from '../log/index.ts'
import type { SandboxMetrics } from '../metrics/index.ts'
import {
  emptyPayloadSchema,
  flakySettingsSchema,
  flakyWorkSchema,
  labSendSchema,
  positionsSchema,
  wireMeasureSchema,
} from '../protocol/schemas.ts'
import type { PositionsPayload, ResilienceNamespace, ResilienceServerEvents } from '../protocol/index.ts'
import type { TokenBucket } from '../rate-limit/index.ts'
import { RateLimitedError, type SharedLimiter } from '../rate-limit/shared.ts'
import { Cooldown, ExpiringMap, FlakyHandler, positionAt } from './rules.ts'
import type { WireMeter } from './wire.ts'

export interface ResilienceSocketData {
  space: string
  namespace: ResilienceNamespace
  label: string
}
export type ResilienceSocket = Socket<Record<string, never>, ResilienceServerEvents, Record<string, never>, ResilienceSocketData>
export type ResilienceNsp = Namespace<Record<string, never>, ResilienceServerEvents, Record<string, never>, ResilienceSocketData>

/** What the events share on one instance: limits, per-space state (bounded) and telemetry. */
export interface LabState {
  instanceId: string
  /** Per-space handlers (bounded, idle ones expire). */
  flaky: ExpiringMap<string, FlakyHandler>
  newFlaky: () => FlakyHandler
  /** Position streams running on this instance, by `space + namespace` (stopped when the server closes). */
  positions: Map<string, NodeJS.Timeout>
  stormCooldown: Cooldown
  wireCooldown: Cooldown
  /** Runs wire measurements (one at a time per instance: `BUSY` otherwise). */
  wire: WireMeter
  /** The space's budget across the cluster (Redis). */
  perSpace: SharedLimiter
  createBucket: () => TokenBucket
  logger: Pick<SandboxLogger, 'refusal' | 'error'>
  metrics: Pick<SandboxMetrics, 'refusedEvent'>
}

/**
 * Emits to this socket only, through this instance only. With connection state recovery on,
 * `socket.emit` goes through the adapter like a broadcast (to be stored for replay): on
 * `/streams` it waits for a Redis `XADD` and is lost if Redis is down. What only concerns this
 * connection (an error without ack; the hello while Redis is down) needs neither Redis nor a replay.
 *
 * @example
 * toSelf(socket).emit('hello', hello)
 */
export function toSelf(socket: ResilienceSocket) {
  return (socket.nsp as ResilienceNsp).local.to(socket.id)
}

/** What a handler returns to leave the request unanswered (a dropped `flaky:work`). */
export const NO_ACK: unique symbol = Symbol('no ack')

type Run<S extends z.ZodTypeAny> = (payload: z.output<S>) => unknown

/**
 * The registrar of one socket: `on(event, schema, run)`; every event, known or not, goes through
 * one dispatch that rate-limits, validates, runs and answers.
 */
function registrar(socket: ResilienceSocket, state: LabState) {
  const { space, namespace } = socket.data
  const bucket = state.createBucket()
  const known = new Set<string>()
  const dispatch = async (event: string, run: () => unknown, args: unknown[]): Promise<void> => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined
    let answer: unknown
    try {
      if (!bucket.take()) throw new SandboxError('RATE_LIMITED', 'too many events: slow down and try again in a second')
      await state.perSpace.consume(space)
      answer = await run()
    } catch (thrown) {
      const error = SandboxError.from(thrown)
      state.metrics.refusedEvent(socket.nsp.name, error.code)
      const fields = { space, namespace, event, code: error.code, address: socket.handshake.address }
      if (error.code === 'INTERNAL') state.logger.error({ ...fields, err: thrown }, `${event} failed`)
      else state.logger.refusal(fields, error.message)
      answer = error.toAck()
      if (!ack) toSelf(socket).emit('sandbox:error', error.toBody())
    }
    if (answer !== NO_ACK) ack?.(answer)
  }
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && known.has(event)) return
    const name = String(event).slice(0, 40)
    const unknown = (): never => {
      throw new SandboxError('UNKNOWN_EVENT', `unknown event "${name}": use ${[...known].join(', ')}`)
    }
    void dispatch(name, unknown, args)
  })
  return <S extends z.ZodTypeAny>(event: string, schema: S, run: Run<S>): void => {
    known.add(event)
    const listener = (...args: unknown[]): void => void dispatch(event, () => run(parseOrThrow(schema, args[0] ?? {}, `${event}: `)), args)
    socket.on(event as never, listener as never)
  }
}

/** Emits `count` positions to the namespace, one every `everyMs`; stops early if the namespace empties. */
function streamPositions(nsp: ResilienceNsp, key: string, state: LabState, { count, everyMs, volatile }: PositionsPayload): void {
  let seq = 0
  const timer = setInterval(() => {
    seq += 1
    const position = { seq, ...positionAt(seq, count), volatile, sentAt: Date.now() }
    if (volatile) nsp.volatile.emit('position', position)
    else nsp.emit('position', position)
    if (seq >= count || nsp.sockets.size === 0) {
      clearInterval(timer)
      state.positions.delete(key)
    }
  }, everyMs)
  state.positions.set(key, timer)
}

/** Throws `RATE_LIMITED` (with `retryAfterMs`) while `cooldown` holds `key`. */
function takeCooldown(cooldown: Cooldown, key: string, what: string): void {
  const waitMs = cooldown.take(key)
  if (waitMs > 0) throw new RateLimitedError(waitMs, what)
}

/**
 * Registers the lab's events on a connected socket.
 *
 * @example
 * registerLabEvents(socket, state)
 */
export function registerLabEvents(socket: ResilienceSocket, state: LabState): void {
  const { space, namespace, label } = socket.data
  const nsp = socket.nsp as ResilienceNsp
  const on = registrar(socket, state)
  const flaky = (): FlakyHandler => state.flaky.touch(space, state.newFlaky)
  on('lab:send', labSendSchema, ({ seq }) => {
    socket.broadcast.emit('lab:message', { seq, from: label, instance: state.instanceId })
    return { ok: true }
  })
  on('lab:positions', positionsSchema, (payload) => {
    const key = `${space}${namespace}`
    if (state.positions.has(key)) throw new SandboxError('BUSY', 'a position stream is already running in this space: wait for its end')
    streamPositions(nsp, key, state, payload)
    return { ok: true }
  })
  on('flaky:configure', flakySettingsSchema, (settings) => ({ ok: true, settings: flaky().configure(settings) }))
  on('flaky:work', flakyWorkSchema, async ({ messageId }) => {
    const outcome = await flaky().work(messageId)
    return outcome === 'dropped' ? NO_ACK : { ok: true, ...outcome }
  })
  on('flaky:report', emptyPayloadSchema, () => {
    const handler = flaky()
    return { ok: true, settings: handler.settings, ...handler.report() }
  })
  on('flaky:reset', emptyPayloadSchema, () => {
    flaky().reset()
    return { ok: true }
  })
  on('storm:cut', emptyPayloadSchema, () => {
    takeCooldown(state.stormCooldown, space, 'storm cuts in this space')
    const victims = [...nsp.sockets.values()]
    // After the ack is written: close each TRANSPORT, as a network drop would (not
    // `disconnect(true)`, after which a client does not reconnect by itself).
    setTimeout(() => victims.forEach((victim) => victim.conn.close()), 20)
    return { ok: true, cut: victims.length }
  })
  on('wire:measure', wireMeasureSchema, async ({ size }) => {
    // BUSY first: a learner who found the instance busy has not spent the space's turn.
    if (state.wire.busy())
      throw new SandboxError('BUSY', 'a wire measurement is already running on this instance: try again in a few seconds')
    takeCooldown(state.wireCooldown, space, 'wire measurements in this space')
    return state.wire.measure(size)
  })
}
