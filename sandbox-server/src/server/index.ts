/**
 * One sandbox instance: a Hono app and a Socket.IO server on the same HTTP server, joined to
 * the other instances through the Redis sharded adapter.
 *
 * @module
 */
import type { Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { createShardedAdapter } from '@socket.io/redis-adapter'
import { Server, type Namespace } from 'socket.io'
import { Adapter } from 'socket.io-adapter'
import { createApp, TrustedProxies } from '../app/index.ts'
import { resolveInstanceConfig, type InstanceConfig, type InstanceOptions } from '../config/index.ts'
import { clusterAdapterFactory, clusterEvents, createRedisTap, OutageSimulation, simulateOutageHandler } from '../cluster/index.ts'
import { createLogger, type SandboxLogger } from '../log/index.ts'
import { createMetrics, splitSpaceNamespace, type SandboxMetrics } from '../metrics/index.ts'
import { attachObserve } from '../observe/index.ts'
import { attachPlayground } from '../playground/index.ts'
import { attachTransports } from '../transports/index.ts'
import { guardEngine } from './engine-guard.ts'
import { onConnectError } from '../errors/connect-errors.ts'
import { ADMIN_UI_NAMESPACE, OBSERVE_NAMESPACE, parseSpaceNamespace, type FanoutState, type HealthBody } from '../protocol/index.ts'
import { CLASS_NAMESPACE } from '../protocol/classes.ts'
import { TokenBucket } from '../rate-limit/index.ts'
import { SharedLimiter } from '../rate-limit/shared.ts'
import { attachSecure, attachTokenRoute, tokenKey } from '../secure/index.ts'
import { createRedisLink, type RedisLink } from '../redis/index.ts'
import type { SubscriptionWait } from '../redis/subscriptions.ts'
import { Quota, SpaceRegistry } from '../spaces/index.ts'
import { attachResilience } from '../resilience/index.ts'
import { attachInstructor, InstructorAccess, type InstructorRouter } from '../instructor/index.ts'
import { attachClusterRoute, type ClusterFiguresSource } from '../instructor/cluster.ts'
import { attachAdminUi } from '../admin-ui/index.ts'
import { attachClasses } from '../classes/index.ts'

export interface SandboxServer {
  readonly config: InstanceConfig
  readonly io: Server
  readonly httpServer: HttpServer
  /** `http://host:port` once listening. */
  readonly url: string
  readonly port: number
  /** The instance's structured logger (pino); see src/log. */
  readonly logger: SandboxLogger
  /** The instance's Prometheus metrics (`GET /metrics`); see src/metrics. */
  readonly metrics: SandboxMetrics
  fanout(): FanoutState
  /**
   * Graceful shutdown (the instructor's "drain"): stops accepting connections, closes every
   * Engine.IO connection WITHOUT a Socket.IO `disconnect` packet (after which socket.io-client
   * would not reconnect), so clients see `transport close` and reconnect by themselves, then
   * closes the rest like {@link SandboxServer.close}.
   */
  drain(): Promise<void>
  /** Closes sockets, the HTTP server and the Redis connections. */
  close(): Promise<void>
}

export interface StartOptions extends InstanceOptions {
  /**
   * Where the instance's log lines go, one serialized line per call (JSON, or pretty per
   * `logFormat`). Default: stdout. Tests capture lines here, or pass `() => {}` to silence them.
   */
  log?: (line: string) => void
}

/** `auto`: pretty when a person reads stdout (a terminal). */
function logFormat(config: InstanceConfig): 'json' | 'pretty' {
  if (config.logFormat !== 'auto') return config.logFormat
  return process.stdout.isTTY ? 'pretty' : 'json'
}

/** The instance's logger and metrics. */
function createTelemetry(config: InstanceConfig, write: StartOptions['log']): { logger: SandboxLogger; metrics: SandboxMetrics } {
  return {
    logger: createLogger({ instanceId: config.instanceId, write, format: logFormat(config), level: config.logLevel }),
    metrics: createMetrics({ enabled: config.metrics, instanceId: config.instanceId }),
  }
}

/** Counts every socket and event of `io`; counts and logs every refused namespace handshake. */
function watchSockets(io: Server, logger: SandboxLogger, metrics: SandboxMetrics): void {
  metrics.instrument(io)
  onConnectError(io, ({ namespace, code, message, address }) => {
    const where = splitSpaceNamespace(namespace)
    metrics.rejectedHandshake('namespace', code, where?.space)
    logger.refusal(
      { code, address, space: where?.space, namespace: where?.namespace ?? namespace },
      message || 'refused a namespace handshake',
    )
  })
}

/**
 * The adapter factory, per namespace:
 * - playground namespaces (`/chat`, `/admin`): the Redis **sharded** adapter, one channel per
 *   namespace and per room, so many open spaces cost Redis no pattern matching per publish (on
 *   a Redis Cluster when `redisClusterNodes` is set: each channel lives on its slot's node);
 * - `/with-redis` (lesson 3): the classic Redis adapter, as the lesson teaches it (and the
 *   Redis emitter speaks its format), with the per-space outage simulation;
 * - `/secure` (lesson 4): the classic Redis adapter too, so "log out everywhere"
 *   (`disconnectSockets()`) reaches the user's sockets on every instance;
 * - `/admin-ui` (the instructor's Socket.IO Admin UI): the classic Redis adapter, so one UI
 *   connection receives the `server_stats` of every instance;
 * - `/class` (classes): the classic Redis adapter too, so announcements to a class room,
 *   `fetchSockets()` of its members and the instances' `class:drop-space` request reach every instance;
 * - `/without-redis`, `/observe` (tracing is per instance), and everything without Redis: the
 *   default in-memory adapter.
 */
function adapterFor(redis: RedisLink | null, config: InstanceConfig, outages: OutageSimulation): (nsp: Namespace) => Adapter {
  const sharded = redis
    ? createShardedAdapter(redis.shardPub, redis.shardSub, { channelPrefix: config.keyPrefix, subscriptionMode: 'dynamic' })
    : null
  const classic = redis
    ? clusterAdapterFactory(redis.pub, redis.sub, { key: config.keyPrefix, requestsTimeout: config.clusterRequestsTimeoutMs }, outages)
    : null
  // Socket.IO calls the factory with `new`: a plain function returning an object is fine.
  // Lesson 3's outage simulation cuts /with-redis only: /secure's and /admin-ui's adapter is never "down".
  const steadyClassic = redis
    ? clusterAdapterFactory(
        redis.pub,
        redis.sub,
        { key: config.keyPrefix, requestsTimeout: config.clusterRequestsTimeoutMs },
        new OutageSimulation(),
      )
    : null
  return function adapter(nsp: Namespace): Adapter {
    if ((nsp.name === ADMIN_UI_NAMESPACE || nsp.name === CLASS_NAMESPACE) && steadyClassic) return steadyClassic(nsp) as Adapter
    const learnerNamespace = parseSpaceNamespace(nsp.name)?.namespace
    if (!learnerNamespace || learnerNamespace === '/without-redis' || !sharded || !classic || !steadyClassic) return new Adapter(nsp)
    if (learnerNamespace === '/secure') return steadyClassic(nsp) as Adapter
    return (learnerNamespace === '/with-redis' ? classic(nsp) : sharded(nsp)) as Adapter
  }
}

/** What the parts of one instance share: its config, Redis link, telemetry and space state. */
interface InstanceContext {
  config: InstanceConfig
  redis: RedisLink | null
  spaces: SpaceRegistry
  outages: OutageSimulation
  fanout: () => FanoutState
  allowedOrigins: ReadonlySet<string>
  /** Engine.IO connections per client address, shared by the instance's two Socket.IO servers. */
  perAddress: Quota<string>
  /** Whose `X-Forwarded-For` names the client, for every per-address rule and log line. */
  proxies: TrustedProxies
  /** A plain line, for the parts that report in sentences (Redis link, tap). */
  log: (line: string) => void
  /** An unexpected error of an HTTP route, at level error (every route's `onError`). */
  logError: (line: string, error: unknown) => void
  logger: SandboxLogger
  metrics: SandboxMetrics
  /** Admission and `room:join` wait for this instance's new Redis subscriptions (`redisSubscribeWaitMs`). */
  subscribed: SubscriptionWait
}

/** Telemetry, the Redis link (when configured) and the per-instance space state. */
function createInstanceContext(config: InstanceConfig, write: StartOptions['log']): InstanceContext {
  const { logger, metrics } = createTelemetry(config, write)
  const log = (line: string): void => logger.info({}, line)
  const logError = (line: string, error: unknown): void => logger.error({ err: error }, line)
  const redis = config.redisUrl
    ? createRedisLink({
        url: config.redisUrl,
        clusterNodes: config.redisClusterNodes,
        name: `${config.keyPrefix}-${config.instanceId}`,
        log,
        timings: config,
      })
    : null
  const fanout = (): FanoutState => (!redis ? 'local-only' : redis.state() === 'ready' ? 'redis' : 'redis-down')
  if (redis) metrics.countPublishes(redis.pub)
  // On a Redis Cluster the sharded adapter publishes on its own client: count its SPUBLISH too.
  if (redis && redis.shardPub !== redis.pub) metrics.countPublishes(redis.shardPub)
  const spaces = new SpaceRegistry(config)
  const outages = new OutageSimulation()
  // One adapter per namespace listens on the same two connections (the classic adapter adds an
  // `error` listener to both per namespace): lift the listener cap, or 11 spaces warn.
  redis?.sub.setMaxListeners(0)
  redis?.shardSub.setMaxListeners(0)
  redis?.pub.setMaxListeners(0)
  redis?.shardPub.setMaxListeners(0)
  const allowedOrigins = new Set(config.allowedOrigins)
  const perAddress = new Quota<string>(config.maxConnectionsPerAddress)
  const proxies = new TrustedProxies(config.trustedProxies)
  const subscribed: SubscriptionWait = () => redis?.subscribed(config.redisSubscribeWaitMs) ?? null
  return { config, redis, spaces, outages, fanout, allowedOrigins, perAddress, proxies, log, logError, logger, metrics, subscribed }
}

/** The instance's HTTP app: health, metrics and stats routes, errors and refusals written to its logger. */
function createInstanceApp(context: InstanceContext, health: () => Omit<HealthBody, 'status'>): ReturnType<typeof createApp> {
  const { config, metrics, logger } = context
  return createApp({
    allowedOrigins: config.allowedOrigins,
    maxBodyBytes: config.maxBodyBytes,
    health,
    ...(config.metrics && { metrics: metrics.scrape, spaceStats: metrics.spaceStats }),
    logError: context.logError,
    logRefusal: (fields, msg) => logger.refusal(fields, msg),
    proxies: context.proxies,
  })
}

/** The Socket.IO server on `httpServer`, with its adapters, counters and Engine.IO guard. */
function createSocketServer(httpServer: HttpServer, context: InstanceContext): Server {
  const { config, redis, outages, allowedOrigins, perAddress, proxies, logger, metrics } = context
  const io = new Server(httpServer, {
    // CORS does not apply to WebSocket, nor stop a simple POST: guardEngine (below) checks the
    // Origin of every Engine.IO request and upgrade, not only of the handshake.
    cors: { origin: config.allowedOrigins, methods: ['GET', 'POST'] },
    maxHttpBufferSize: config.maxPacketBytes,
    // Upgrades outside /socket.io/ belong to the bare transports (lesson 1), which answer them.
    destroyUpgrade: false,
    cleanupEmptyChildNamespaces: true,
    adapter: adapterFor(redis, config, outages) as never,
  })
  watchSockets(io, logger, metrics)
  guardEngine(io, { allowedOrigins, perAddress, proxies, logger, metrics })
  return io
}

/** Lessons 2-3: the Redis tap, the `/observe` tracer and the playground namespaces. Returns the tap. */
function attachLessons(io: Server, context: InstanceContext): ReturnType<typeof createRedisTap> | null {
  const { config, fanout, spaces, outages, log, logger, metrics } = context
  const tap =
    config.redisUrl === null
      ? null
      : createRedisTap({
          url: config.redisUrl,
          keyPrefix: config.keyPrefix,
          instanceId: config.instanceId,
          io,
          report: (space, traffic) => tracer.emit(space, { kind: 'redis', namespace: '/with-redis', ...traffic }),
          log,
          timings: config,
        })
  const tracer = attachObserve(io, {
    instanceId: config.instanceId,
    fanout,
    spaces,
    logger,
    onWatch: (space) => tap?.watch(space),
    onUnwatch: (space) => {
      tap?.unwatch(space)
      // A simulated outage belongs to the learner watching it: it ends when they leave.
      outages.set(space, false)
    },
    onObserver: (socket, space, observeTracer) => {
      socket.on('redis:simulate-outage', simulateOutageHandler(space, outages, observeTracer))
    },
  })
  attachPlayground(io, {
    instanceId: config.instanceId,
    maxRoomsPerSocket: config.maxRoomsPerSocket,
    tracer,
    fanout,
    spaces,
    logger,
    metrics,
    createBucket: () => new TokenBucket(config.eventsPerSecond, config.eventBurst),
    subscribed: context.subscribed,
    extend: clusterEvents(config.instanceId, tracer, { localOnly: config.redisUrl === null }),
  })
  return tap
}

/** Listens on the configured host and port; resolves with the port actually bound. */
async function listen(httpServer: HttpServer, config: InstanceConfig): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  return (httpServer.address() as AddressInfo).port
}

/** `http://host:port` a browser can open: a wildcard host is shown as loopback, IPv6 in brackets. */
function publicUrl(host: string, port: number): string {
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`
}

/**
 * Starts one instance and resolves once it listens.
 *
 * @example
 * const instance = await startSandboxServer({ port: 0, instanceId: 'i1', keyPrefix: 'test-1' })
 * console.log(instance.url) // http://127.0.0.1:39517
 * await instance.close()
 */
export async function startSandboxServer(options: StartOptions = {}): Promise<SandboxServer> {
  const { log: write, ...instanceOptions } = options
  const config = resolveInstanceConfig(instanceOptions)
  const context = createInstanceContext(config, write)
  const { redis, spaces, fanout, logger, metrics } = context
  const startedAt = Date.now()

  let draining = false
  const health = (): Omit<HealthBody, 'status'> => ({
    instance: config.instanceId,
    fanout: fanout(),
    redis: redisState(redis),
    // Every Engine.IO connection of the instance: the main server's and the resilience lab's.
    sockets: io.engine.clientsCount + resilience.sockets(),
    resilienceSockets: resilience.sockets(),
    // Observers, not learners: the widgets' tracers and the instructor's Admin UI.
    observers: io.of(OBSERVE_NAMESPACE).sockets.size + adminUi.sockets(),
    spaces: spaces.activeSpaces,
    slotStreams: transports.slotStreams(),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  })
  const app = createInstanceApp(context, health)
  const httpServer = createAdaptorServer({ fetch: app.fetch }) as HttpServer
  const { logError, allowedOrigins } = context
  const transports = attachTransports(app, httpServer, { instanceId: config.instanceId, allowedOrigins, config, logError })
  const io = createSocketServer(httpServer, context)
  const tap = attachLessons(io, context)
  attachDefences(io, app, context)
  const resilience = attachResilience(httpServer, context)
  const instructor = attachInstructorRoutes(app, context, {
    startedAt,
    servers: () => [io, resilience.io],
    state: () => (draining ? 'draining' : !redis || redis.state() === 'ready' ? 'ok' : 'degraded'),
  })
  attachClasses(io, instructor.router, { config, redis, logger, servers: () => [io, resilience.io] })
  const adminUi = await attachAdminUi(io, { config, redis: redis?.pub ?? null, logger })

  const port = await listen(httpServer, config)
  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    closing ??= (async () => {
      instructor.close()
      adminUi.close()
      transports.close()
      await resilience.close()
      io.disconnectSockets(true)
      await new Promise<void>((resolve) => io.close(() => resolve()))
      await tap?.close()
      await redis?.close()
      logger.close()
    })()
    return closing
  }
  return {
    config,
    io,
    httpServer,
    url: publicUrl(config.host, port),
    port,
    logger,
    metrics,
    fanout,
    drain: () => {
      if (closing) return closing
      draining = true
      logger.info({}, 'draining: closing every connection so clients reconnect, then stopping')
      closeConnections(httpServer, [io, resilience.io], transports)
      return close()
    },
    close,
  }
}

/**
 * Drain: stops accepting connections and closes the open ones without a Socket.IO disconnect
 * packet (Engine.IO's `close()` discards the transport), so every client reconnects by itself.
 */
function closeConnections(httpServer: HttpServer, servers: Server[], transports: { close(): void }): void {
  httpServer.close()
  for (const server of servers) server.engine.close()
  transports.close()
  httpServer.closeIdleConnections()
}

/** `/healthz`'s name for the state of the instance's Redis link. */
const redisState = (redis: RedisLink | null): HealthBody['redis'] => redis?.state() ?? 'disabled'

/** The instructor's routes: `whoami` and the cluster figures. Returns the router (for the classes' routes) and what `close()` must stop. */
function attachInstructorRoutes(
  app: ReturnType<typeof createApp>,
  context: InstanceContext,
  source: Pick<ClusterFiguresSource, 'startedAt' | 'servers' | 'state'>,
): { router: InstructorRouter; close(): void } {
  const { config, redis, logger, metrics } = context
  const router = attachInstructor(app, {
    access: new InstructorAccess(config.instructorToken),
    allowedOrigins: context.allowedOrigins,
    proxies: context.proxies,
    logger,
  })
  const cluster = attachClusterRoute(router, {
    ...source,
    instanceId: config.instanceId,
    redis: () => redisState(redis),
    traffic: () => metrics.traffic(),
  })
  return { router, close: () => cluster.close() }
}

/**
 * Lesson 4: the token route and the `/secure` namespace, with their cluster-wide rate limits
 * (Redis keys under the deployment's prefix, so deployments and test runs never share budgets).
 */
function attachDefences(
  io: Server,
  app: ReturnType<typeof createApp>,
  context: {
    config: InstanceConfig
    redis: RedisLink | null
    spaces: SpaceRegistry
    fanout: () => FanoutState
    allowedOrigins: ReadonlySet<string>
    proxies: TrustedProxies
    logError: InstanceContext['logError']
    logger: SandboxLogger
    metrics: SandboxMetrics
    subscribed: SubscriptionWait
  },
): void {
  const { config, redis } = context
  // A secret: never logged, never in an answer (no configuration: a key of this instance only).
  const key = tokenKey(config.tokenSecret)
  const limiter = (name: string, perSecond: number, what: string): SharedLimiter =>
    new SharedLimiter({ redis: redis?.pub ?? null, keyPrefix: `${config.keyPrefix}:rl:${name}`, perSecond, what })
  attachTokenRoute(app, {
    allowedOrigins: context.allowedOrigins,
    key,
    lifetimeSeconds: config.tokenLifetimeSeconds,
    perAddress: limiter('addr', config.addressRequestsPerSecond, 'token requests'),
    proxies: context.proxies,
    logError: context.logError,
  })
  attachSecure(io, {
    instanceId: config.instanceId,
    key,
    fanout: context.fanout,
    spaces: context.spaces,
    perUser: limiter('user', config.userEventsPerSecond, 'events'),
    userEventsPerSecond: config.userEventsPerSecond,
    maxPacketBytes: config.maxPacketBytes,
    maxRoomsPerSocket: config.maxRoomsPerSocket,
    logger: context.logger,
    metrics: context.metrics,
    subscribed: context.subscribed,
  })
}
