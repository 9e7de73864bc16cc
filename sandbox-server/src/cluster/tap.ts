/**
 * The Redis tap: a real Redis subscriber, on each instance, that reads the channels of a space's
 * `/with-redis` namespace while someone watches that space on this instance, decodes every
 * message and reports it in the trace. It subscribes only while watched: nobody watching costs
 * nothing, not even a connection.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { redisRetryStrategy, type RedisTimings } from '../redis/index.ts'
import { decode } from 'notepack.io'
import type { Namespace, Server } from 'socket.io'
import { spaceNamespace, type RedisTraffic } from '../protocol/index.ts'

const PACKET_TYPES = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK']
const REQUEST_TYPES = [
  'SOCKETS',
  'ALL_ROOMS',
  'REMOTE_JOIN',
  'REMOTE_LEAVE',
  'REMOTE_DISCONNECT',
  'REMOTE_FETCH',
  'SERVER_SIDE_EMIT',
  'BROADCAST',
  'BROADCAST_CLIENT_COUNT',
  'BROADCAST_ACK',
]

export interface TapOptions {
  url: string
  keyPrefix: string
  instanceId: string
  io: Server
  /** Called with each decoded message and the space it belongs to. */
  report: (space: string, traffic: RedisTraffic) => void
  log: (line: string) => void
  /** Reconnect delays, as the instance's own Redis connections use them. */
  timings: RedisTimings
}

/** The fields of a request or response of the classic adapter that the tap reads. */
interface AdapterMessage {
  uid?: string
  type?: number
  opts?: { rooms?: string[]; except?: string[] }
  /** `serverSideEmit` answers: the arguments of each ack (ours: `{ instance, sockets }`). */
  data?: unknown
  /** `fetchSockets` answers: the responder's sockets, each with the `data` the sandbox gives it. */
  sockets?: unknown
}

const INSTANCE_ID = /^[a-z0-9-]{1,16}$/

/**
 * Who answered, read from the answer itself: a response carries no sender uid, but the sandbox's
 * census ack names its instance and every socket's `data.instance` names where it lives. `null`
 * when the answer names nobody (a `fetchSockets` answer from an instance with no sockets).
 */
function answeringInstance(message: AdapterMessage): string | null {
  const prop = (value: unknown, key: string): unknown =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
  const first = (list: unknown): unknown => (Array.isArray(list) ? list[0] : undefined)
  const named = prop(first(message.data), 'instance') ?? prop(prop(first(message.sockets), 'data'), 'instance')
  return typeof named === 'string' && INSTANCE_ID.test(named) ? named : null
}

/** Decodes one raw message of a `/with-redis` channel. Exported for tests. */
export function decodeTraffic(
  channel: string,
  raw: Buffer,
  keyPrefix: string,
  ownUid: string | undefined,
  instanceId: string,
): RedisTraffic {
  const key = createHash('sha1').update(channel).update(raw).digest('hex').slice(0, 12)
  // The namespace's adapter exists exactly when this instance hosts the namespace.
  const base = { channel, bytes: raw.length, key, subscribed: ownUid !== undefined }
  const who = (uid: unknown): string | null => (uid === 'emitter' ? 'emitter' : uid !== undefined && uid === ownUid ? instanceId : null)
  try {
    if (channel.startsWith(`${keyPrefix}#`)) {
      const [uid, packet, opts] = decode(raw) as [string, { type: number; data?: unknown[] }, { rooms?: string[]; except?: string[] }]
      const data = Array.isArray(packet.data) ? packet.data : []
      const payload = data[1] as { traceId?: unknown } | undefined
      return {
        ...base,
        type: 'broadcast',
        publishedBy: who(uid),
        rooms: opts?.rooms ?? [],
        except: opts?.except ?? [],
        packetType: PACKET_TYPES[packet.type] ?? String(packet.type),
        event: typeof data[0] === 'string' ? data[0] : null,
        traceId: typeof payload?.traceId === 'string' ? payload.traceId : null,
      }
    }
    const isResponse = channel.startsWith(`${keyPrefix}-response#`)
    const message = (raw[0] === 0x7b ? JSON.parse(raw.toString()) : decode(raw)) as AdapterMessage
    return {
      ...base,
      type: isResponse ? 'response' : 'request',
      publishedBy: isResponse ? answeringInstance(message) : who(message.uid),
      rooms: message.opts?.rooms ?? [],
      except: message.opts?.except ?? [],
      packetType: isResponse ? 'RESPONSE' : (REQUEST_TYPES[message.type ?? -1] ?? String(message.type)),
      event: null,
      traceId: null,
    }
  } catch {
    return { ...base, type: 'broadcast', publishedBy: null, rooms: [], except: [], packetType: 'UNDECODABLE', event: null, traceId: null }
  }
}

/**
 * Creates the tap of one instance.
 *
 * @example
 * const tap = createRedisTap({ url, keyPrefix: 'rtwb', instanceId: 'i1', io, report, log })
 * tap.watch('k7q2mx') // psubscribe to the space's /with-redis channels
 */
export function createRedisTap(options: TapOptions): { watch(space: string): void; unwatch(space: string): void; close(): Promise<void> } {
  let client: Redis | null = null
  const watched = new Set<string>()
  const patterns = (space: string): string[] => {
    const nsp = spaceNamespace(space, '/with-redis')
    return [`${options.keyPrefix}#${nsp}#*`, `${options.keyPrefix}-request#${nsp}#*`, `${options.keyPrefix}-response#${nsp}#*`]
  }
  const spaceOfChannel = (channel: string): string | null => /#\/s\/([a-z0-9]{6})\/with-redis#/.exec(channel)?.[1] ?? null

  const connect = (): Redis => {
    const redis = new Redis(options.url, {
      connectionName: `${options.keyPrefix}-${options.instanceId}-tap`,
      retryStrategy: redisRetryStrategy(options.timings),
      maxRetriesPerRequest: null,
      autoResubscribe: true,
    })
    redis.on('error', () => undefined) // the instance's main link reports Redis state
    redis.on('pmessageBuffer', (_pattern: Buffer, channelBuffer: Buffer, raw: Buffer) => {
      const channel = channelBuffer.toString()
      const space = spaceOfChannel(channel)
      if (!space || !watched.has(space)) return
      const nsp = options.io._nsps.get(spaceNamespace(space, '/with-redis')) as Namespace | undefined
      const ownUid = (nsp?.adapter as { uid?: string } | undefined)?.uid
      options.report(space, decodeTraffic(channel, raw, options.keyPrefix, ownUid, options.instanceId))
    })
    return redis
  }

  return {
    watch(space) {
      if (watched.has(space)) return
      watched.add(space)
      client ??= connect()
      client.psubscribe(...patterns(space)).catch(() => undefined)
    },
    unwatch(space) {
      if (!watched.delete(space) || !client) return
      client.punsubscribe(...patterns(space)).catch(() => undefined)
    },
    async close() {
      watched.clear()
      if (client) {
        await client.quit().catch(() => undefined)
        client.disconnect()
      }
    },
  }
}
