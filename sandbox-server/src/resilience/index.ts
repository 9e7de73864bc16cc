/**
 * Lesson 5's resilience lab: a SECOND Socket.IO server on the instance's HTTP server, at
 * `RESILIENCE_PATH`. `connectionStateRecovery` is a server-wide option, and with it on, the
 * cluster adapters append an offset to every broadcast: on the main server it would change
 * lessons 2-4's wire. Here it is on, with a short heartbeat of its own, and two namespaces per
 * space with the same events and the same options, only the adapter differs:
 * - `/s/<space>/streams`: the Redis **Streams** adapter. Packets go through a Redis stream, so an
 *   instance can replay what a disconnected socket missed: `socket.recovered === true`;
 * - `/s/<space>/pubsub`: the classic Redis **pub/sub** adapter, which keeps nothing: recovery is
 *   not supported (`restoreSession` resolves null), `socket.recovered` is always false.
 * Without Redis, `/streams` uses Socket.IO's in-memory session-aware adapter (recovery within the
 * instance) and `/pubsub` the plain in-memory one.
 *
 * Defences are the main server's, reused: the Engine.IO guard (Origin on every request and
 * upgrade; the per-address connection cap is the SAME quota as the main server's), admission
 * (its own per-space cap, for the storm's 30 clients), per-socket and per-space rate limits,
 * the refusal log and the metrics. Recovery does NOT skip the middlewares: a recovered socket is
 * admitted (and counted) again like any other.
 *
 * @module
 */
import type { Server as HttpServer } from 'node:http'
import { createAdapter as createPubSubAdapter } from '@socket.io/redis-adapter'
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter'
import { Redis } from 'ioredis'
import { Server, type Namespace } from 'socket.io'
import { encode } from '@msgpack/msgpack'
import { Adapter, MessageType, SessionAwareAdapter } from 'socket.io-adapter'
import { forgivingPublisher } from '../cluster/adapter.ts'
import type { InstanceConfig } from '../config/index.ts'
import { onConnectError } from '../errors/connect-errors.ts'
import { SandboxError } from '../errors/index.ts'
import type { SandboxLogger } from '../log/index.ts'
import type { SandboxMetrics } from '../metrics/index.ts'
import { splitSpaceNamespace } from '../metrics/index.ts'
import { RESILIENCE_NAMESPACE_PATTERN, RESILIENCE_PATH, parseResilienceNamespace } from '../protocol/index.ts'
import { resilienceAuthSchema } from '../protocol/schemas.ts'
import { TokenBucket } from '../rate-limit/index.ts'
import { SharedLimiter } from '../rate-limit/shared.ts'
import { redisRetryStrategy, retriesCovering, type RedisLink } from '../redis/index.ts'
import { admitWhenSubscribed, type SubscriptionWait } from '../redis/subscriptions.ts'
import type { TrustedProxies } from '../app/client-address.ts'
import { guardEngine } from '../server/engine-guard.ts'
import { Quota, SpaceRegistry } from '../spaces/index.ts'
import { registerLabEvents, toSelf, type LabState, type ResilienceSocket } from './events.ts'
import { Cooldown, ExpiringMap, FlakyHandler } from './rules.ts'
import { SubscriptionLedger } from './subscriptions.ts'
import { createWireMeter } from './wire.ts'

export interface ResilienceOptions {
  config: InstanceConfig
  redis: RedisLink | null
  /** A socket is admitted after it (the namespace's Redis subscription in place). */
  subscribed?: SubscriptionWait
  allowedOrigins: ReadonlySet<string>
  /** The main server's per-address quota: one cap for every Engine.IO connection of the instance. */
  perAddress: Quota<string>
  /** Whose `X-Forwarded-For` names the client (the main server's too). */
  proxies: TrustedProxies
  logger: SandboxLogger
  metrics: SandboxMetrics
}

export interface ResilienceServer {
  readonly io: Server
  /** Engine.IO connections open on the resilience server. */
  sockets(): number
  close(): Promise<void>
}

/** How a cluster adapter hands a message to Redis (`protected` in socket.io-adapter's typings). */
interface ClusterPublisher {
  doPublish(message: { type: number; data?: unknown }): Promise<string>
}

/** Whether a cluster message is a volatile broadcast (`io.volatile.emit`). */
function isVolatileBroadcast(message: { type: number; data?: unknown }): boolean {
  if (message.type !== MessageType.BROADCAST || typeof message.data !== 'object' || message.data === null) return false
  const opts: unknown = 'opts' in message.data ? message.data.opts : undefined
  const flags: unknown = typeof opts === 'object' && opts !== null && 'flags' in opts ? opts.flags : undefined
  return typeof flags === 'object' && flags !== null && 'volatile' in flags && flags.volatile === true
}

/**
 * Sends volatile broadcasts over plain pub/sub instead of the stream. The Streams adapter 0.3.1
 * appends every broadcast to the stream and its `restoreSession` replays whatever matches the
 * socket's rooms, volatile or not (Socket.IO's in-memory adapter never stores volatile packets).
 * A volatile packet must not outlive its moment: published like the adapter's own ephemeral
 * messages (same channel, same msgpack encoding), it reaches the other instances now and is
 * never replayed.
 */
function volatileOverPubSub(adapter: Adapter, client: Redis, channel: string): Adapter {
  const internals = adapter as unknown as ClusterPublisher
  const publish = internals.doPublish.bind(adapter)
  internals.doPublish = (message) => {
    if (!isVolatileBroadcast(message)) return publish(message)
    client.publish(channel, Buffer.from(encode(message))).catch(() => 0)
    return Promise.resolve('')
  }
  return adapter
}

/**
 * The Streams adapter's Redis client, made safe for outages. The adapter calls some commands
 * without awaiting them (`SET` of a session, `PUBLISH`, `SUBSCRIBE`); during an outage they
 * reject, and an unhandled rejection ends a Node process. Here every command's promise gets a
 * handler (callers that await it still see the rejection). The connections the adapter
 * duplicates (its blocking `XREAD` reader and its subscriber) wait for Redis instead of failing
 * after a few retries: a reader that fails at once would spin, a subscription that failed
 * would not be restored when Redis is back. They are listed in `duplicates`, to be closed with it,
 * and seen by `ledger`, which gives a closed namespace's subscriptions back.
 */
function outageSafe(client: Redis, duplicates: Redis[] | null, ledger?: SubscriptionLedger): Redis {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'duplicate' && duplicates) {
        return () => {
          const duplicate = target.duplicate({ maxRetriesPerRequest: null })
          duplicates.push(duplicate)
          const safe = outageSafe(duplicate, null)
          return ledger ? ledger.observe(safe) : safe
        }
      }
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]): unknown => {
        const result: unknown = Reflect.apply(value, target, args)
        if (result instanceof Promise) result.catch(() => undefined)
        return result
      }
    },
  })
}

/** The adapters, per namespace, and what must be closed with them. */
function adapters(config: InstanceConfig, redis: RedisLink | null): { factory: (nsp: Namespace) => Adapter; close: () => void } {
  if (!config.redisUrl || !redis) {
    // Socket.IO calls the factory with `new`: a plain function (not an arrow) returning an object.
    const local = function local(nsp: Namespace): Adapter {
      return parseResilienceNamespace(nsp.name)?.namespace === '/pubsub' ? new Adapter(nsp) : new SessionAwareAdapter(nsp)
    }
    return { factory: local, close: () => undefined }
  }
  // Its own connection: XADD must wait for a reconnect a little (offline queue), unlike the
  // main publisher; the adapter duplicates it for its blocking XREAD and its subscriptions.
  const streamsClient = new Redis(config.redisUrl, {
    retryStrategy: redisRetryStrategy(config),
    connectTimeout: config.redisConnectTimeoutMs,
    connectionName: `${config.keyPrefix}-${config.instanceId}-streams`,
    enableOfflineQueue: true,
    // A broadcast that cannot be queued is dropped, even for this instance's own sockets
    // (socket.io-adapter's ClusterAdapter delivers locally only once the XADD succeeded).
    maxRetriesPerRequest: retriesCovering(config.streamsQueueMs, config),
  })
  streamsClient.on('error', () => undefined) // the main link reports Redis outages
  const channelPrefix = `${config.keyPrefix}-resilience`
  const duplicates: Redis[] = []
  // A space has two lab namespaces; only /streams ones subscribe here.
  const ledger = new SubscriptionLedger(config.resilienceMaxSpaces)
  const streams = createStreamsAdapter(outageSafe(streamsClient, duplicates, ledger), {
    streamName: `${config.keyPrefix}:resilience`,
    channelPrefix,
    sessionKeyPrefix: `${config.keyPrefix}:resilience:session:`,
    maxLen: config.streamsMaxLen,
  })
  const pubsub = createPubSubAdapter(forgivingPublisher(redis.pub), redis.sub, { key: `${config.keyPrefix}-resilience` })
  const factory = function factory(nsp: Namespace): Adapter {
    const name = parseResilienceNamespace(nsp.name)?.namespace
    // The main namespace `/` (never connectable here) holds a Streams adapter for the server's
    // life: the adapter stops reading its stream when its LAST namespace closes, and a space's
    // namespaces close whenever the space empties (cleanupEmptyChildNamespaces).
    if (name === '/pubsub') return pubsub(nsp) as Adapter
    if (name !== '/streams' && nsp.name !== '/') return new Adapter(nsp)
    const adapter = volatileOverPubSub(streams(nsp) as Adapter, streamsClient, `${channelPrefix}#${nsp.name}#`)
    // The adapter's private channel holds its uid (a protected field of socket.io-adapter's ClusterAdapter).
    const uid: unknown = Reflect.get(adapter, 'uid')
    const close = adapter.close.bind(adapter)
    adapter.close = () => {
      if (typeof uid === 'string') ledger.release(`${channelPrefix}#${nsp.name}#${uid}#`)
      return close()
    }
    return adapter
  }
  return { factory, close: () => [streamsClient, ...duplicates].forEach((client) => client.disconnect()) }
}

/** Per-instance lab state: bounded tables, cooldowns, the wire meter and the rate limits. */
function labState(options: ResilienceOptions): LabState {
  const { config, redis } = options
  const limits = { maxIds: config.dedupeMaxIds, ttlMs: config.dedupeTtlMs }
  const env = { sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)), random: Math.random }
  const maxKeys = config.resilienceMaxSpaces
  return {
    instanceId: config.instanceId,
    flaky: new ExpiringMap({ maxSize: maxKeys, ttlMs: config.dedupeTtlMs }),
    newFlaky: () => new FlakyHandler(limits, env),
    positions: new Map(),
    stormCooldown: new Cooldown({ cooldownMs: config.stormCooldownMs, maxKeys }),
    wireCooldown: new Cooldown({ cooldownMs: config.wireCooldownMs, maxKeys }),
    wire: createWireMeter(),
    // One budget per space, cluster-wide: what all of a learner's lab clients may send together.
    perSpace: new SharedLimiter({
      redis: redis?.pub ?? null,
      keyPrefix: `${config.keyPrefix}:rl:lab`,
      perSecond: config.resilienceSpaceEventsPerSecond,
      what: 'lab events in this space',
    }),
    createBucket: () => new TokenBucket(config.eventsPerSecond, config.resilienceEventBurst),
    logger: options.logger,
    metrics: options.metrics,
  }
}

/** The handshake: a lab namespace, a valid label, a slot in the space. Throws the refusal. */
function admit(socket: ResilienceSocket, spaces: SpaceRegistry): void {
  const where = parseResilienceNamespace(socket.nsp.name)
  if (!where) throw new SandboxError('INVALID_HANDSHAKE', 'not a resilience lab namespace')
  const auth = resilienceAuthSchema.safeParse(socket.handshake.auth)
  if (!auth.success) {
    const detail = auth.error.issues.map((issue) => `${issue.path.join('.') || 'auth'}: ${issue.message}`).join('; ')
    throw new SandboxError('INVALID_HANDSHAKE', `lab auth is invalid: ${detail}`)
  }
  spaces.admit(where.space, socket)
  socket.data = { space: where.space, namespace: where.namespace, label: auth.data.label }
}

/** Tells the namespace's other sockets when one of them stopped answering the heartbeat. */
function watchHeartbeat(socket: ResilienceSocket): void {
  let lastPacketAt = Date.now()
  socket.conn.on('packet', () => (lastPacketAt = Date.now()))
  socket.on('disconnect', (reason) => {
    if (reason !== 'ping timeout') return
    socket.nsp.emit('peer:gone', { label: socket.data.label, reason, silentMs: Date.now() - lastPacketAt })
  })
}

/**
 * Attaches the resilience server to `httpServer` (before it listens).
 *
 * @example
 * const lab = attachResilience(httpServer, { config, redis, allowedOrigins, perAddress, proxies, logger, metrics })
 * lab.sockets() // => 0
 */
export function attachResilience(httpServer: HttpServer, options: ResilienceOptions): ResilienceServer {
  const { config, logger, metrics } = options
  const { factory, close: closeAdapters } = adapters(config, options.redis)
  const io = new Server(httpServer, {
    path: RESILIENCE_PATH,
    cors: { origin: config.allowedOrigins, methods: ['GET', 'POST'] },
    maxHttpBufferSize: config.maxPacketBytes,
    destroyUpgrade: false,
    cleanupEmptyChildNamespaces: true,
    pingInterval: config.resiliencePingIntervalMs,
    pingTimeout: config.resiliencePingTimeoutMs,
    connectionStateRecovery: { maxDisconnectionDuration: config.resilienceMaxDisconnectionMs, skipMiddlewares: false },
    adapter: factory as never,
  })
  metrics.instrument(io)
  onConnectError(io, ({ namespace, code, message, address }) => {
    const where = splitSpaceNamespace(namespace)
    metrics.rejectedHandshake('namespace', code, where?.space)
    logger.refusal({ code, address, space: where?.space, namespace: where?.namespace ?? namespace }, message || 'refused a lab handshake')
  })
  guardEngine(io, { allowedOrigins: options.allowedOrigins, perAddress: options.perAddress, proxies: options.proxies, logger, metrics })
  io.use((_socket, next) =>
    next(new SandboxError('INVALID_HANDSHAKE', 'connect to /s/<space>/streams or /s/<space>/pubsub').toConnectError()),
  )

  const spaces = new SpaceRegistry({
    maxSocketsPerSpace: config.resilienceMaxSocketsPerSpace,
    maxNamespacesPerConnection: config.maxNamespacesPerConnection,
  })
  const state = labState(options)
  const lab = io.of(RESILIENCE_NAMESPACE_PATTERN) as unknown as {
    use: (fn: (socket: ResilienceSocket, next: (err?: Error) => void) => void) => void
    on: (event: 'connection', fn: (socket: ResilienceSocket) => void) => void
  }
  // /pubsub's classic adapter subscribes when a space's namespace is made: first wait for it.
  if (options.subscribed) lab.use(admitWhenSubscribed(options.subscribed))
  lab.use((socket, next) => {
    try {
      admit(socket, spaces)
      next()
    } catch (error) {
      next(SandboxError.from(error).toConnectError())
    }
  })
  lab.on('connection', (socket) => {
    const { space, namespace, label } = socket.data
    // Through the adapter (`socket.emit`), the hello carries an offset, and socket.io-client
    // sends its last offset when it reconnects: a socket that never got an offset-bearing packet
    // cannot be recovered. While Redis is down, /streams could not store it (the XADD fails and
    // the packet is dropped): greet through this instance only, so the widget still hears it.
    const redisDown = options.redis !== null && options.redis.state() !== 'ready'
    const greeter = redisDown ? toSelf(socket) : socket
    greeter.emit('hello', {
      id: socket.id,
      instance: config.instanceId,
      label,
      namespace,
      space,
      recovered: socket.recovered,
      pingInterval: config.resiliencePingIntervalMs,
      pingTimeout: config.resiliencePingTimeoutMs,
      maxDisconnectionDuration: config.resilienceMaxDisconnectionMs,
    })
    watchHeartbeat(socket)
    registerLabEvents(socket, state)
  })
  return {
    io,
    sockets: () => io.engine.clientsCount,
    close: async () => {
      state.positions.forEach((timer) => clearInterval(timer))
      state.positions.clear()
      io.disconnectSockets(true)
      await new Promise<void>((resolve) => io.close(() => resolve()))
      closeAdapters()
    },
  }
}
