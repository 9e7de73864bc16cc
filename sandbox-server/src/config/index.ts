/**
 * Configuration of one sandbox instance: one zod schema built from the shared field schemas
 * (./fields.ts, also used by the launcher), every option documented with its `@default`,
 * defaults merged in one place ({@link resolveInstanceConfig}). Environment variables are named
 * once ({@link ENV_NAMES}) and read only by {@link instanceConfigFromEnv}, at the edge;
 * {@link instanceConfigToEnv} writes a validated configuration back, for a launcher.
 *
 * @module
 */
import { z } from 'zod'
import {
  choiceSchema,
  durationMs,
  flagSchema,
  hostSchema,
  keyPrefixSchema,
  nameSchema,
  originList,
  portSchema,
  positiveNumber,
  redisNodeKey,
  redisNodeListSchema,
  redisUrlSchema,
  secretSchema,
  type RedisNode,
  bcryptHashSchema,
  trustedProxyList,
  wholeNumber,
} from './fields.ts'
import { envLabel, optionLabel, parseConfig, readEnv, type Env } from './parse.ts'

export * from './fields.ts'
export { ConfigError, envLabel, optionLabel, parseConfig, readEnv, type Env, type PathLabel } from './parse.ts'

/** The instance options. */
export const instanceConfigSchema = z
  .object({
    /** Name shown in traces and `/healthz`. @default 'i1' */
    instanceId: nameSchema.default('i1'),
    /** TCP port; `0` picks a free one (tests). @default 4001 */
    port: portSchema.default(4001),
    /** Interface to listen on: loopback; `0.0.0.0` for a class on a LAN. @default '127.0.0.1' */
    host: hostSchema.default('127.0.0.1'),
    /** Redis URL for the adapter, or `null` (`off`) to run without cross-instance fan-out. @default 'redis://127.0.0.1:6379' */
    redisUrl: redisUrlSchema.default('redis://127.0.0.1:6379'),
    /**
     * Seed nodes of a Redis Cluster (`host:port,host:port`) for the SHARDED adapter of the
     * playground namespaces (`/chat`, `/admin`): SPUBLISH/SSUBSCRIBE through ioredis `Cluster`
     * clients, each channel on the node that owns its slot. Everything else (classic adapters,
     * Streams adapter, Lua scripts, rate limits, sessions, the tap) stays on `redisUrl`, which must
     * be set too. `off`: the sharded adapter uses `redisUrl` like the rest.
     * See docs/deploy-redis-cluster.md.
     * @default null (`off`)
     */
    redisClusterNodes: redisNodeListSchema.default(null),
    /**
     * Prefix of every Redis channel the adapter uses. One per deployment (and per test run): the
     * same Redis is often shared, and two deployments with one prefix would mix their broadcasts.
     * @default 'rtwb'
     */
    keyPrefix: keyPrefixSchema.default('rtwb'),
    /**
     * Page origins allowed to connect (CORS for polling, Origin check for every handshake), each
     * normalised as a browser sends it (`http://192.168.1.20:4321/` -> `http://192.168.1.20:4321`).
     * @default ['http://localhost:4321', 'http://127.0.0.1:4321']
     */
    allowedOrigins: originList({ required: true }).default(['http://localhost:4321', 'http://127.0.0.1:4321']),
    /** Sockets one space may hold on this instance (playground and observers). @default 32 */
    maxSocketsPerSpace: wholeNumber(1, 10_000).default(32),
    /** Rooms one socket may join (besides its own id room). @default 8 */
    maxRoomsPerSocket: wholeNumber(1, 100).default(8),
    /** Sustained events per second one socket may send. @default 20 */
    eventsPerSecond: positiveNumber(100_000).default(20),
    /** Burst of events one socket may send at once. @default 40 */
    eventBurst: wholeNumber(1, 100_000).default(40),
    /** Lesson 1: events kept per space stream (the ring buffer long polling and SSE resume from). @default 2000 */
    streamCapacity: wholeNumber(10, 100_000).default(2_000),
    /** Lesson 1: a space stream nobody uses is removed after this long, ms. @default 60000 */
    streamIdleMs: durationMs(1_000, 86_400_000).default(60_000),
    /** Lesson 1: space streams one instance keeps at once (`SPACE_FULL` beyond). @default 200 */
    maxStreams: wholeNumber(1, 10_000).default(200),
    /** Lesson 1: longest a long poll is held, ms (under common 30 s proxy timeouts). @default 25000 */
    longPollMaxWaitMs: durationMs(1_000, 120_000).default(25_000),
    /** Lesson 1: the SSE `retry:` sent to EventSource, ms. @default 1000 */
    sseRetryMs: durationMs(100, 60_000).default(1_000),
    /** Lesson 1: a comment line keeps an idle SSE stream open this often, ms. @default 15000 */
    sseKeepAliveMs: durationMs(1_000, 120_000).default(15_000),
    /** Lesson 3: how long `fetchSockets()` / `serverSideEmit()` wait for the other instances, ms. @default 2000 */
    clusterRequestsTimeoutMs: durationMs(100, 60_000).default(2_000),
    /** Redis: how long one connection attempt may take, ms. @default 2000 */
    redisConnectTimeoutMs: durationMs(100, 60_000).default(2_000),
    /** Redis: reconnect delay grows by this much per failed attempt, ms. @default 100 */
    redisRetryStepMs: durationMs(10, 10_000).default(100),
    /** Redis: longest delay between reconnect attempts, ms (an instance never gives up). @default 2000 */
    redisRetryMaxDelayMs: durationMs(100, 60_000).default(2_000),
    /**
     * Redis: how long a socket joining a namespace, or a `room:join`, waits for this instance's
     * new (S|P)SUBSCRIBE to be acknowledged before going on, ms. Pub/sub is at-most-once: a
     * broadcast published before the subscription lands never reaches the socket. Not waited
     * while Redis is down; `0`: never wait. @default 2000
     */
    redisSubscribeWaitMs: durationMs(0, 60_000).default(2_000),
    /** Largest packet accepted from a client, in bytes (Socket.IO's `maxHttpBufferSize`). @default 16384 */
    maxPacketBytes: wholeNumber(1024, 10_000_000).default(16_384),
    /** Namespaces (spaces' `/chat`, `/admin`, `/observe`, ...) one Engine.IO connection may open at once. @default 8 */
    maxNamespacesPerConnection: wholeNumber(1, 1_000).default(8),
    /** Engine.IO connections one client address may hold on this instance at once. @default 128 */
    maxConnectionsPerAddress: wholeNumber(1, 100_000).default(128),
    /**
     * The proxies (nginx in front of the instances) whose `X-Forwarded-For` is believed: IP
     * addresses and CIDR ranges, IPv4 or IPv6, comma-separated, at most 32. A request from one of
     * them counts as coming from the client the header names (walked from the right, past trusted
     * hops: src/app/client-address.ts) for every per-address cap, rate limit and log line; a
     * request from anyone else counts as its TCP peer, header ignored. List only your own proxies'
     * addresses: anyone listed can claim any address. Empty: trust nobody.
     * @default [] (nobody)
     */
    trustedProxies: trustedProxyList.default([]),
    /** Largest HTTP request body accepted outside `/socket.io/` (lesson-1 routes, the emitter), in bytes. @default 4096 */
    maxBodyBytes: wholeNumber(512, 1_000_000).default(4_096),
    /**
     * Lesson 4: the HS256 key that signs and verifies `/secure` tokens. SECRET: never logged, never
     * in an answer. The launcher generates one at start and hands the same to every instance (so
     * any instance verifies any token); `off` makes an instance generate its own at start.
     * @default null (`off`)
     */
    tokenSecret: secretSchema.default(null),
    /**
     * The instructor secret: `Authorization: Bearer <it>` on every instructor route (console,
     * classes, announcements, fault controls, the Admin UI login). SECRET: never logged, never in
     * an answer. The launcher takes it from `INSTRUCTOR_TOKEN` or generates one at each start and
     * hands the same to every instance. `off`: every instructor route answers 401.
     * @default null (`off`)
     */
    instructorToken: secretSchema.default(null),
    /**
     * The Admin UI's password as a bcrypt hash (user `instructor`), instead of the instructor secret
     * (which is bcrypt-hashed at start). Without either, the Admin UI namespace is off.
     * SECRET-ish (it can be attacked offline): never logged. In a shell, single-quote it (`$`).
     * @default null (`off`)
     */
    adminUiPasswordHash: bcryptHashSchema.default(null),
    /** The Admin UI may only watch (no emit, join, leave or disconnect); `0` allows its actions. @default true */
    adminUiReadonly: flagSchema.default(true),
    /**
     * The Admin UI's mode: `production` sends aggregated figures only; `development` also every
     * socket, event and room change of every learner to the UI (costly: for a demo on a small class).
     * @default 'production'
     */
    adminUiMode: choiceSchema(['production', 'development']).default('production'),
    /** Admin UI handshakes (logins, session resumes) one client address may make per second, across instances (bcrypt is costly by design). @default 5 */
    adminUiLoginsPerSecond: wholeNumber(1, 10_000).default(5),
    /** Classes (instructor): how many classes may be open at once in the deployment (all instances). @default 20 */
    maxClasses: wholeNumber(1, 1_000).default(20),
    /** Classes: how many members (display names) one class may hold. @default 60 */
    maxClassMembers: wholeNumber(1, 1_000).default(60),
    /** Classes: how long a class lives in Redis after its last change (create, join, announcement), seconds. @default 43200 (12 h) */
    classTtlSeconds: wholeNumber(60, 7 * 86_400).default(43_200),
    /** Lesson 4: lifetime of a `/secure` token, seconds (a learner may ask a shorter one). @default 300 */
    tokenLifetimeSeconds: wholeNumber(10, 86_400).default(300),
    /** Lesson 4: events per second one USER may send in `/secure`, shared by all their sockets on all instances. @default 20 */
    userEventsPerSecond: wholeNumber(1, 100_000).default(20),
    /** Lesson 4: token requests per second one client address may make (the unauthenticated route), shared across instances. @default 20 */
    addressRequestsPerSecond: wholeNumber(1, 100_000).default(20),
    /** Lesson 5: how long the resilience server keeps a disconnected socket's state and missed packets, ms (`connectionStateRecovery.maxDisconnectionDuration`). @default 10000 */
    resilienceMaxDisconnectionMs: durationMs(1_000, 600_000).default(10_000),
    /** Lesson 5: Engine.IO `pingInterval` of the resilience server only, ms (short, so the lab measures a dead peer in seconds). @default 5000 */
    resiliencePingIntervalMs: durationMs(500, 300_000).default(5_000),
    /** Lesson 5: Engine.IO `pingTimeout` of the resilience server only, ms. @default 4000 */
    resiliencePingTimeoutMs: durationMs(500, 300_000).default(4_000),
    /** Lesson 5: sockets one space may hold on the resilience server of this instance (the storm's 30 clients and the lab's others). @default 40 */
    resilienceMaxSocketsPerSpace: wholeNumber(1, 10_000).default(40),
    /** Lesson 5: burst of events one lab socket may send at once (sustained: `eventsPerSecond`); room for the lab's 50 concurrent requests. @default 64 */
    resilienceEventBurst: wholeNumber(1, 100_000).default(64),
    /** Lesson 5: events per second all the lab sockets of one space may send together, counted across instances (Redis). @default 100 */
    resilienceSpaceEventsPerSecond: wholeNumber(1, 100_000).default(100),
    /** Lesson 5: spaces whose flaky handler or position stream one instance keeps at once (idle ones expire after `dedupeTtlMs`; oldest evicted). @default 500 */
    resilienceMaxSpaces: wholeNumber(1, 100_000).default(500),
    /** Lesson 5: message ids the flaky handler remembers per space (oldest evicted first). @default 1000 */
    dedupeMaxIds: wholeNumber(1, 1_000_000).default(1_000),
    /** Lesson 5: how long the flaky handler remembers a message id, ms. @default 60000 */
    dedupeTtlMs: durationMs(1_000, 86_400_000).default(60_000),
    /** Lesson 5: a space may cut its sockets' transports (`storm:cut`) once per this long, ms. @default 3000 */
    stormCooldownMs: durationMs(0, 3_600_000).default(3_000),
    /** Lesson 5: a space may run a wire measurement once per this long, ms (one at a time per instance anyway). @default 10000 */
    wireCooldownMs: durationMs(0, 3_600_000).default(10_000),
    /** Lesson 5: entries the Redis stream of the Streams adapter keeps (`MAXLEN ~`): the recovery window in packets. @default 10000 */
    streamsMaxLen: wholeNumber(100, 10_000_000).default(10_000),
    /**
     * Lesson 5: how long a `/streams` broadcast (its `XADD`) waits for Redis to come back before it
     * is dropped, ms (rounded up to whole reconnect attempts of `redisRetryStepMs`). The default, two
     * attempts, drops what is sent during a Redis restart that takes longer; the zero-loss soak runs
     * with 10000. Commands wait in memory meanwhile. @default 300
     */
    streamsQueueMs: durationMs(0, 600_000).default(300),
    /** `GET /metrics` (Prometheus) and the counters behind it; `0` turns both off. @default true */
    metrics: flagSchema.default(true),
    /** Lowest level written to the log. @default 'info' */
    logLevel: choiceSchema(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    /** `json`: one JSON object per line; `pretty`: one readable line; `auto`: pretty on a terminal. @default 'auto' */
    logFormat: choiceSchema(['auto', 'json', 'pretty']).default('auto'),
  })
  .strict()

export type InstanceConfig = z.output<typeof instanceConfigSchema>
export type InstanceOptions = z.input<typeof instanceConfigSchema>

/**
 * The rules between options, checked after each option on its own (kept apart from
 * {@link instanceConfigSchema}, whose `shape` and `omit()` the launcher reuses).
 */
const checkedInstanceConfigSchema = instanceConfigSchema.superRefine((config, ctx) => {
  // Only the sharded adapter runs on the cluster: without REDIS_URL the classic adapters, the
  // Streams adapter, classes, rate limits and sessions would silently lose their Redis.
  if (config.redisClusterNodes && config.redisUrl === null) {
    ctx.addIssue({
      code: 'custom',
      path: ['redisClusterNodes'],
      message:
        'a Redis Cluster carries only the sharded adapter; the rest of the instance needs a standalone Redis (set REDIS_URL / redisUrl too, or turn the cluster off)',
    })
  }
})

/**
 * Merges options over the defaults and validates them.
 *
 * @example
 * const config = resolveInstanceConfig({ port: 0, keyPrefix: 'test-42' })
 * config.instanceId // => 'i1'
 */
export function resolveInstanceConfig(options: InstanceOptions = {}, source = 'sandbox options'): InstanceConfig {
  return parseConfig(checkedInstanceConfigSchema, options, { source, label: optionLabel })
}

/**
 * Every default, as one validated configuration (e.g. for a test double that must follow the server).
 *
 * @example
 * defaultInstanceConfig.maxSocketsPerSpace // => 32
 */
export const defaultInstanceConfig: InstanceConfig = resolveInstanceConfig()

/** Environment variable read for each option. */
export const ENV_NAMES = {
  instanceId: 'INSTANCE_ID',
  port: 'PORT',
  host: 'HOST',
  redisUrl: 'REDIS_URL',
  redisClusterNodes: 'REDIS_CLUSTER_NODES',
  keyPrefix: 'SANDBOX_KEY_PREFIX',
  allowedOrigins: 'SANDBOX_ORIGINS',
  maxSocketsPerSpace: 'SANDBOX_MAX_SOCKETS_PER_SPACE',
  maxRoomsPerSocket: 'SANDBOX_MAX_ROOMS_PER_SOCKET',
  eventsPerSecond: 'SANDBOX_EVENTS_PER_SECOND',
  eventBurst: 'SANDBOX_EVENT_BURST',
  streamCapacity: 'SANDBOX_STREAM_CAPACITY',
  streamIdleMs: 'SANDBOX_STREAM_IDLE_MS',
  maxStreams: 'SANDBOX_MAX_STREAMS',
  longPollMaxWaitMs: 'SANDBOX_LONG_POLL_MAX_WAIT_MS',
  sseRetryMs: 'SANDBOX_SSE_RETRY_MS',
  sseKeepAliveMs: 'SANDBOX_SSE_KEEP_ALIVE_MS',
  clusterRequestsTimeoutMs: 'SANDBOX_CLUSTER_TIMEOUT_MS',
  redisConnectTimeoutMs: 'SANDBOX_REDIS_CONNECT_TIMEOUT_MS',
  redisRetryStepMs: 'SANDBOX_REDIS_RETRY_STEP_MS',
  redisRetryMaxDelayMs: 'SANDBOX_REDIS_RETRY_MAX_MS',
  redisSubscribeWaitMs: 'SANDBOX_REDIS_SUBSCRIBE_WAIT_MS',
  maxPacketBytes: 'SANDBOX_MAX_PACKET_BYTES',
  maxNamespacesPerConnection: 'SANDBOX_MAX_NAMESPACES_PER_CONNECTION',
  maxConnectionsPerAddress: 'SANDBOX_MAX_CONNECTIONS_PER_ADDRESS',
  trustedProxies: 'SANDBOX_TRUSTED_PROXIES',
  maxBodyBytes: 'SANDBOX_MAX_BODY_BYTES',
  tokenSecret: 'SANDBOX_TOKEN_SECRET',
  tokenLifetimeSeconds: 'SANDBOX_TOKEN_LIFETIME_SECONDS',
  instructorToken: 'INSTRUCTOR_TOKEN',
  adminUiPasswordHash: 'ADMIN_UI_PASSWORD_HASH',
  adminUiReadonly: 'ADMIN_UI_READONLY',
  adminUiMode: 'ADMIN_UI_MODE',
  adminUiLoginsPerSecond: 'ADMIN_UI_LOGINS_PER_SECOND',
  maxClasses: 'SANDBOX_MAX_CLASSES',
  maxClassMembers: 'SANDBOX_MAX_CLASS_MEMBERS',
  classTtlSeconds: 'SANDBOX_CLASS_TTL_SECONDS',
  userEventsPerSecond: 'SANDBOX_USER_EVENTS_PER_SECOND',
  addressRequestsPerSecond: 'SANDBOX_ADDRESS_REQUESTS_PER_SECOND',
  resilienceMaxDisconnectionMs: 'SANDBOX_RESILIENCE_MAX_DISCONNECTION_MS',
  resiliencePingIntervalMs: 'SANDBOX_RESILIENCE_PING_INTERVAL_MS',
  resiliencePingTimeoutMs: 'SANDBOX_RESILIENCE_PING_TIMEOUT_MS',
  resilienceMaxSocketsPerSpace: 'SANDBOX_RESILIENCE_MAX_SOCKETS_PER_SPACE',
  resilienceEventBurst: 'SANDBOX_RESILIENCE_EVENT_BURST',
  resilienceSpaceEventsPerSecond: 'SANDBOX_RESILIENCE_SPACE_EVENTS_PER_SECOND',
  resilienceMaxSpaces: 'SANDBOX_RESILIENCE_MAX_SPACES',
  dedupeMaxIds: 'SANDBOX_DEDUPE_MAX_IDS',
  dedupeTtlMs: 'SANDBOX_DEDUPE_TTL_MS',
  stormCooldownMs: 'SANDBOX_STORM_COOLDOWN_MS',
  wireCooldownMs: 'SANDBOX_WIRE_COOLDOWN_MS',
  streamsMaxLen: 'SANDBOX_STREAMS_MAX_LEN',
  streamsQueueMs: 'SANDBOX_STREAMS_QUEUE_MS',
  metrics: 'SANDBOX_METRICS',
  logLevel: 'SANDBOX_LOG_LEVEL',
  logFormat: 'SANDBOX_LOG_FORMAT',
} as const satisfies Record<keyof InstanceConfig, string>

/**
 * Reads the instance configuration from environment variables ({@link ENV_NAMES}).
 * `REDIS_URL=off` runs without Redis; `SANDBOX_ORIGINS` is a comma-separated list. Errors name
 * the variable: `SANDBOX_ORIGINS: "ftp://x" is not an origin (expected ...)`.
 *
 * @example
 * instanceConfigFromEnv({ PORT: '4002', INSTANCE_ID: 'i2' }).port // => 4002
 */
export function instanceConfigFromEnv(env: Env): InstanceConfig {
  return parseConfig(checkedInstanceConfigSchema, readEnv(env, ENV_NAMES), { source: 'environment', label: envLabel(ENV_NAMES) })
}

/**
 * A configuration value as its environment variable holds it (the inverse of the field schemas).
 *
 * @example
 * toEnvValue(['http://a.test', 'http://b.test']) // => 'http://a.test,http://b.test'
 */
export function toEnvValue(value: string | number | boolean | null | readonly string[] | readonly RedisNode[]): string {
  if (value === null) return 'off'
  if (Array.isArray(value))
    return value.map((entry: string | RedisNode) => (typeof entry === 'string' ? entry : redisNodeKey(entry))).join(',')
  if (typeof value === 'boolean') return value ? '1' : '0'
  return String(value)
}

/**
 * The environment that makes {@link instanceConfigFromEnv} return `config` again: how a launcher
 * hands the configuration it validated to its instance processes, variable by variable.
 *
 * @example
 * instanceConfigToEnv(resolveInstanceConfig({ redisUrl: null })).REDIS_URL // => 'off'
 */
export function instanceConfigToEnv(config: InstanceConfig): Record<string, string> {
  const env: Record<string, string> = {}
  for (const key of Object.keys(ENV_NAMES) as (keyof InstanceConfig)[]) env[ENV_NAMES[key]] = toEnvValue(config[key])
  return env
}
