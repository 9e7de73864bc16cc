/**
 * Configuration of one sandbox instance: one zod schema, every option documented with its
 * default, defaults merged in one place ({@link resolveInstanceConfig}). Environment variables
 * are read only by {@link instanceConfigFromEnv}, at the edge.
 *
 * @module
 */
import { z } from 'zod'

const originSchema = z.string().refine(
  (value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value
    } catch {
      return false
    }
  },
  (value) => ({ message: `"${value}" is not an origin (expected scheme://host[:port], e.g. http://localhost:4321)` }),
)

/** The instance options. */
export const instanceConfigSchema = z
  .object({
    /** Name shown in traces and `/healthz`. Default `i1`. */
    instanceId: z.string().regex(/^[a-z0-9-]{1,16}$/, 'must be 1-16 characters of a-z, 0-9 and "-"').default('i1'),
    /** TCP port; `0` picks a free one (tests). Default `4001`. */
    port: z.coerce.number().int().min(0).max(65535).default(4001),
    /** Interface to listen on. Default `127.0.0.1` (loopback); `0.0.0.0` for a class on a LAN. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Redis URL for the adapter, or `null` to run without cross-instance fan-out. Default `redis://127.0.0.1:6379`. */
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .nullable()
      .default('redis://127.0.0.1:6379'),
    /**
     * Prefix of every Redis channel the adapter uses. One per deployment (and per test run): the
     * same Redis is often shared, and two deployments with one prefix would mix their broadcasts.
     * Default `rtwb`.
     */
    keyPrefix: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 : _ . -').default('rtwb'),
    /** Page origins allowed to connect (CORS for polling, Origin check for every handshake). Default the site on :4321. */
    allowedOrigins: z.array(originSchema).min(1).default(['http://localhost:4321', 'http://127.0.0.1:4321']),
    /** Sockets one space may hold on this instance (playground and observers). Default `32`. */
    maxSocketsPerSpace: z.coerce.number().int().min(1).max(10_000).default(32),
    /** Rooms one socket may join (besides its own id room). Default `8`. */
    maxRoomsPerSocket: z.coerce.number().int().min(1).max(100).default(8),
    /** Sustained events per second one socket may send. Default `20`. */
    eventsPerSecond: z.coerce.number().positive().max(100_000).default(20),
    /** Burst of events one socket may send at once. Default `40`. */
    eventBurst: z.coerce.number().int().min(1).max(100_000).default(40),
    /** Largest packet accepted from a client, in bytes (Socket.IO's `maxHttpBufferSize`). Default `16384`. */
    maxPacketBytes: z.coerce.number().int().min(1024).max(10_000_000).default(16_384),
    /**
     * Namespaces (spaces' `/chat`, `/admin`, `/observe`, ...) one Engine.IO connection may open at once.
     * @default 8
     */
    maxNamespacesPerConnection: z.coerce.number().int().min(1).max(1_000).default(8),
    /**
     * Engine.IO connections one client address may hold on this instance at once.
     * @default 128
     */
    maxConnectionsPerAddress: z.coerce.number().int().min(1).max(100_000).default(128),
    /**
     * Largest HTTP request body accepted outside `/socket.io/` (lesson-1 routes, the emitter), in bytes.
     * @default 4096
     */
    maxBodyBytes: z.coerce.number().int().min(512).max(1_000_000).default(4_096),
  })
  .strict()

export type InstanceConfig = z.output<typeof instanceConfigSchema>
export type InstanceOptions = z.input<typeof instanceConfigSchema>

/** A configuration that could not be used; `problems` name each field and what is wrong. */
export class ConfigError extends Error {
  readonly problems: string[]

  constructor(source: string, problems: string[]) {
    super(`Invalid ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/**
 * Merges options over the defaults and validates them.
 *
 * @example
 * const config = resolveInstanceConfig({ port: 0, keyPrefix: 'test-42' })
 * config.instanceId // => 'i1'
 */
export function resolveInstanceConfig(options: InstanceOptions = {}, source = 'sandbox options'): InstanceConfig {
  const parsed = instanceConfigSchema.safeParse(options)
  if (parsed.success) return parsed.data
  throw new ConfigError(
    source,
    parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  )
}

/** Environment variable read for each option. */
export const ENV_NAMES = {
  instanceId: 'INSTANCE_ID',
  port: 'PORT',
  host: 'HOST',
  redisUrl: 'REDIS_URL',
  keyPrefix: 'SANDBOX_KEY_PREFIX',
  allowedOrigins: 'SANDBOX_ORIGINS',
  maxSocketsPerSpace: 'SANDBOX_MAX_SOCKETS_PER_SPACE',
  maxRoomsPerSocket: 'SANDBOX_MAX_ROOMS_PER_SOCKET',
  eventsPerSecond: 'SANDBOX_EVENTS_PER_SECOND',
  eventBurst: 'SANDBOX_EVENT_BURST',
  maxPacketBytes: 'SANDBOX_MAX_PACKET_BYTES',
  maxNamespacesPerConnection: 'SANDBOX_MAX_NAMESPACES_PER_CONNECTION',
  maxConnectionsPerAddress: 'SANDBOX_MAX_CONNECTIONS_PER_ADDRESS',
  maxBodyBytes: 'SANDBOX_MAX_BODY_BYTES',
} as const satisfies Record<keyof InstanceConfig, string>

/**
 * Reads the instance configuration from environment variables ({@link ENV_NAMES}).
 * `REDIS_URL=off` runs without Redis; `SANDBOX_ORIGINS` is a comma-separated list.
 *
 * @example
 * instanceConfigFromEnv({ PORT: '4002', INSTANCE_ID: 'i2' }).port // => 4002
 */
export function instanceConfigFromEnv(env: Record<string, string | undefined>): InstanceConfig {
  const options: Record<string, unknown> = {}
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const raw = env[name]?.trim()
    if (raw === undefined || raw === '') continue
    if (key === 'allowedOrigins') options[key] = raw.split(',').map((origin) => origin.trim()).filter(Boolean)
    else if (key === 'redisUrl') options[key] = raw === 'off' ? null : raw
    else options[key] = raw
  }
  try {
    return resolveInstanceConfig(options as InstanceOptions, 'environment')
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    // Name the variables, not the option keys: that is what the person has to change.
    const byKey = new Map<string, string>(Object.entries(ENV_NAMES))
    throw new ConfigError(
      'environment',
      error.problems.map((problem) => {
        const key = problem.split(/[.:]/, 1)[0] ?? ''
        return byKey.has(key) ? `${byKey.get(key)}${problem.slice(key.length)}` : problem
      }),
    )
  }
}
