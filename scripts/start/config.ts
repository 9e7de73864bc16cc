/**
 * Launcher configuration, read once from the environment with the sandbox's own field schemas
 * (`@realtime-workbook/sandbox-server/config`), so an origin, a port or a Redis URL is parsed the
 * same way here and in every instance. The instances' own settings (limits, stream sizes,
 * timings) are validated here too, and {@link clusterConfigs} builds each process's full
 * configuration before any starts: an instance never refuses what the launcher accepted.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { z } from 'zod'
import {
  ENV_NAMES,
  durationMs,
  envLabel,
  flagSchema,
  instanceConfigSchema,
  keyPrefixSchema,
  optionLabel,
  originList,
  parseConfig,
  portSchema,
  readEnv,
  resolveInstanceConfig,
  wholeNumber,
  type Env,
  type InstanceConfig,
  type PathLabel,
} from '@realtime-workbook/sandbox-server/config'

/** Instance options the launcher sets itself: per instance, or from its own variables. */
const SET_BY_LAUNCHER = { instanceId: true, port: true, host: true, redisUrl: true, keyPrefix: true, allowedOrigins: true } as const

/** The instance options that apply to every instance (limits, stream sizes, timings). */
const instanceSettingsSchema = instanceConfigSchema.omit(SET_BY_LAUNCHER)
const INSTANCE_SETTING_ENV = Object.fromEntries(Object.entries(ENV_NAMES).filter(([key]) => !(key in SET_BY_LAUNCHER)))

/** Every launcher option; each one's variable is in {@link LAUNCHER_ENV_NAMES}. */
const launcherOptionsSchema = z
  .object({
    /** Where the site is served; `0` picks a free port. @default 4321 */
    sitePort: portSchema.default(4321),
    /**
     * Lesson 4: port of the "attacker" page, a second local origin that is NOT allowed, whose
     * script tries a cross-site handshake and POSTs (the security lab embeds it). `0`: a free port.
     * @default `<site port + 1>` (`0` when the site port is `0`)
     */
    attackerPort: portSchema.optional(),
    /** Port of the first instance; the other instances, then the emitter, take the next ones. `0`: free ports. @default 4001 */
    sandboxPort: portSchema.default(4001),
    /** How many instances. @default 3 */
    instances: wholeNumber(1, 8, 'an instance count').default(3),
    /** Listen on all interfaces and allow this machine's LAN addresses as page origins (a class on a LAN). @default false */
    lan: flagSchema.default(false),
    /** The Redis the instances share; `off`: none (each instance only reaches its own clients). @default 'redis://127.0.0.1:6379' */
    redisUrl: instanceConfigSchema.shape.redisUrl,
    /** Start a `redis-server` when none answers at a loopback `redisUrl`. @default true */
    startRedis: flagSchema.default(true),
    /** Page origins allowed besides the site's own (which always are). @default [] */
    extraOrigins: originList().default([]),
    /** Redis channel prefix of this deployment. @default `rtwb-<hostname>-<site port>` */
    keyPrefix: keyPrefixSchema.optional(),
    /** The built site to serve. @default 'site/dist' */
    siteDir: z.string().min(1).optional(),
    /** Never build the site; serve what is there. @default false */
    skipBuild: flagSchema.default(false),
    /** First delay before restarting a crashed instance, ms; doubles with each quick crash. @default 200 */
    restartDelayMs: durationMs(10, 60_000).default(200),
    /** Longest delay before restarting an instance that keeps crashing, ms. @default 5000 */
    restartMaxDelayMs: durationMs(100, 600_000).default(5_000),
    /** An instance that ran this long before crashing is restarted after `restartDelayMs` again, ms. @default 30000 */
    healthyRunMs: durationMs(1_000, 3_600_000).default(30_000),
    /** Settings of every instance (their variables are the instance's, see sandbox-server's ENV_NAMES). @default {} */
    instance: instanceSettingsSchema.default({}),
  })
  .strict()

/** The launcher options, with the check that needs two of them. */
export const launcherConfigSchema = launcherOptionsSchema.superRefine((config, ctx) => {
  const lastPort = 65535 - config.instances // the instances, then the emitter
  if (config.sandboxPort > lastPort) {
    const message = `${config.sandboxPort} leaves no room for ${config.instances} instances and the emitter (expected at most ${lastPort}, or 0)`
    ctx.addIssue({ code: 'custom', path: ['sandboxPort'], message })
  }
})

export type LauncherConfig = z.output<typeof launcherConfigSchema> & { keyPrefix: string; attackerPort: number }
export type LauncherOptions = z.input<typeof launcherConfigSchema>

/** Environment variable read for each launcher option (the shared ones are the instance's names). */
export const LAUNCHER_ENV_NAMES = {
  sitePort: 'SITE_PORT',
  sandboxPort: 'SANDBOX_PORT',
  attackerPort: 'SANDBOX_ATTACKER_PORT',
  instances: 'SANDBOX_INSTANCES',
  lan: 'SANDBOX_LAN',
  redisUrl: ENV_NAMES.redisUrl,
  startRedis: 'SANDBOX_START_REDIS',
  extraOrigins: ENV_NAMES.allowedOrigins,
  keyPrefix: ENV_NAMES.keyPrefix,
  siteDir: 'SITE_DIR',
  skipBuild: 'SKIP_BUILD',
  restartDelayMs: 'SANDBOX_RESTART_DELAY_MS',
  restartMaxDelayMs: 'SANDBOX_RESTART_MAX_DELAY_MS',
  healthyRunMs: 'SANDBOX_HEALTHY_RUN_MS',
} as const satisfies Record<Exclude<keyof LauncherOptions, 'instance'>, string>

const HINT = 'See README.md, "Configuration" (and sandbox-server/README.md for the instances\' own variables).'

/** Launcher variables by option; an instance setting (`instance.maxStreams`) by the instance's variable. */
const launcherEnvLabel: PathLabel = (path) =>
  path[0] === 'instance' ? envLabel(ENV_NAMES)(path.slice(1)) : envLabel(LAUNCHER_ENV_NAMES)(path)

function resolve(input: unknown, label: PathLabel): LauncherConfig {
  const config = parseConfig(launcherConfigSchema, input, { source: 'configuration', label, hint: HINT })
  const attackerPort = config.attackerPort ?? (config.sitePort === 0 || config.sitePort === 65535 ? 0 : config.sitePort + 1)
  return { ...config, attackerPort, keyPrefix: config.keyPrefix ?? `rtwb-${hostname().replace(/[^A-Za-z0-9]/g, '')}-${config.sitePort}` }
}

/**
 * Validates launcher options and fills the defaults.
 *
 * @example
 * resolveLauncherConfig({ sitePort: 0, sandboxPort: 0 }).instances // => 3
 */
export function resolveLauncherConfig(options: LauncherOptions): LauncherConfig {
  return resolve(options, optionLabel)
}

/**
 * Reads the launcher options, and the instances' own settings, from environment variables.
 * Every problem names its variable: `SANDBOX_ORIGINS: "ftp://x" is not an origin (expected ...)`.
 *
 * @example
 * launcherConfigFromEnv({ SANDBOX_ORIGINS: 'http://192.168.1.20:4321/' }).extraOrigins // => ['http://192.168.1.20:4321']
 */
export function launcherConfigFromEnv(env: Env): LauncherConfig {
  return resolve({ ...readEnv(env, LAUNCHER_ENV_NAMES), instance: readEnv(env, INSTANCE_SETTING_ENV) }, launcherEnvLabel)
}

/** Where the site and the instances listen. */
export function listenHost(config: LauncherConfig): string {
  return config.lan ? '0.0.0.0' : '127.0.0.1'
}

/**
 * The full configuration of every process the launcher starts (the instances, and the emitter
 * when there is Redis), validated with the instance's own schema.
 *
 * @example
 * const { instances } = clusterConfigs(config, { sitePort: 4321, lanAddresses: [] }, 'redis://127.0.0.1:6379')
 * instances[0]?.allowedOrigins // => ['http://localhost:4321', 'http://127.0.0.1:4321', ...config.extraOrigins]
 */
export function clusterConfigs(
  config: LauncherConfig,
  site: { sitePort: number; lanAddresses: readonly string[] },
  redisUrl: string | null,
): { instances: InstanceConfig[]; emitter: InstanceConfig | null; instructorToken: string } {
  const lan = config.lan ? site.lanAddresses.map((address) => `http://${address}:${site.sitePort}`) : []
  const allowedOrigins = [`http://localhost:${site.sitePort}`, `http://127.0.0.1:${site.sitePort}`, ...config.extraOrigins, ...lan]
  // One token key per start, the same for every instance (any instance verifies any token);
  // handed over in the environment, never printed.
  const tokenSecret = config.instance.tokenSecret ?? randomBytes(32).toString('base64url')
  // The instructor's secret: INSTRUCTOR_TOKEN, or a new one at each start, printed once in the
  // console link's fragment (main.ts). The emitter serves no instructor route: it never gets it.
  const instructorToken = config.instance.instructorToken ?? randomBytes(32).toString('base64url')
  const processConfig = (instanceId: string, index: number): InstanceConfig =>
    resolveInstanceConfig(
      {
        ...config.instance,
        tokenSecret,
        instructorToken: instanceId === 'emitter' ? null : instructorToken,
        instanceId,
        port: config.sandboxPort === 0 ? 0 : config.sandboxPort + index,
        host: listenHost(config),
        redisUrl,
        keyPrefix: config.keyPrefix,
        allowedOrigins,
      },
      'instance configuration',
    )
  return {
    instances: Array.from({ length: config.instances }, (_, index) => processConfig(`i${index + 1}`, index)),
    emitter: redisUrl === null ? null : processConfig('emitter', config.instances),
    instructorToken,
  }
}
