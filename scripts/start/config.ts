/**
 * Launcher configuration, read once from the environment and validated with a message that
 * names the variable and says what is expected.
 *
 * @module
 */
import { hostname } from 'node:os'
import { z } from 'zod'

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ invalid_type_error: `${name} must be a port number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65535, `${name} must be between 0 and 65535`)
    .default(fallback)

/** Every launcher option, its environment variable and its default. */
export const launcherConfigSchema = z.object({
  /** `SITE_PORT`: where the site is served. Default `4321`. `0` picks a free port. */
  sitePort: port('SITE_PORT', 4321),
  /** `SANDBOX_PORT`: port of the first instance; the others take the next ones. Default `4001`. `0`: free ports. */
  sandboxPort: port('SANDBOX_PORT', 4001),
  /** `SANDBOX_INSTANCES`: how many instances. Default `3`. */
  instances: z.coerce.number().int().min(1, 'SANDBOX_INSTANCES must be 1 to 8').max(8, 'SANDBOX_INSTANCES must be 1 to 8').default(3),
  /** `SANDBOX_LAN=1`: listen on all interfaces, for a class on a LAN. Default off: loopback only. */
  lan: z
    .enum(['0', '1', 'true', 'false', ''], { errorMap: () => ({ message: 'SANDBOX_LAN must be 1 or 0' }) })
    .default('0')
    .transform((value) => value === '1' || value === 'true'),
  /** `REDIS_URL`: the Redis the instances share. Default `redis://127.0.0.1:6379`. */
  redisUrl: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'REDIS_URL must look like redis://host:port').default('redis://127.0.0.1:6379'),
  /** `SANDBOX_START_REDIS=0`: never start a redis-server, even when none answers. Default `1`. */
  startRedis: z
    .enum(['0', '1', ''], { errorMap: () => ({ message: 'SANDBOX_START_REDIS must be 1 or 0' }) })
    .default('1')
    .transform((value) => value !== '0'),
  /** `SANDBOX_ORIGINS`: extra page origins allowed to connect, comma-separated (the site's own are always allowed). */
  extraOrigins: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.string().url('each SANDBOX_ORIGINS entry must be an origin such as http://192.168.1.20:4321'))),
  /** `SANDBOX_KEY_PREFIX`: Redis channel prefix of this deployment. Default `rtwb-<hostname>-<site port>`. */
  keyPrefix: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'SANDBOX_KEY_PREFIX must be 1-64 of A-Z a-z 0-9 : _ . -').optional(),
  /** `SITE_DIR`: the built site to serve. Default `site/dist`. */
  siteDir: z.string().optional(),
  /** `SKIP_BUILD=1`: never build the site, serve what is there. */
  skipBuild: z.enum(['0', '1', '']).default('0').transform((value) => value === '1'),
})

export type LauncherConfig = z.output<typeof launcherConfigSchema> & { keyPrefix: string }
export type LauncherOptions = z.input<typeof launcherConfigSchema>

const ENV: Record<keyof LauncherOptions, string> = {
  sitePort: 'SITE_PORT',
  sandboxPort: 'SANDBOX_PORT',
  instances: 'SANDBOX_INSTANCES',
  lan: 'SANDBOX_LAN',
  redisUrl: 'REDIS_URL',
  startRedis: 'SANDBOX_START_REDIS',
  extraOrigins: 'SANDBOX_ORIGINS',
  keyPrefix: 'SANDBOX_KEY_PREFIX',
  siteDir: 'SITE_DIR',
  skipBuild: 'SKIP_BUILD',
}

/**
 * Validates launcher options (already shaped) and fills the defaults.
 *
 * @example
 * resolveLauncherConfig({ sitePort: 0, sandboxPort: 0 }).instances // => 3
 */
export function resolveLauncherConfig(options: LauncherOptions): LauncherConfig {
  const parsed = launcherConfigSchema.safeParse(options)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '') as keyof LauncherOptions
      const variable = ENV[key] ?? key
      return `  - ${issue.message.startsWith(variable) ? issue.message : `${variable}: ${issue.message}`}`
    })
    throw new Error(`npm start: invalid configuration\n${lines.join('\n')}\nSee README.md, "Configuration".`)
  }
  return { ...parsed.data, keyPrefix: parsed.data.keyPrefix ?? `rtwb-${hostname().replace(/[^A-Za-z0-9]/g, '')}-${parsed.data.sitePort}` }
}

/** Reads the launcher options from environment variables. */
export function launcherConfigFromEnv(env: Record<string, string | undefined>): LauncherConfig {
  const options: Record<string, string> = {}
  for (const [key, variable] of Object.entries(ENV)) {
    const value = env[variable]
    if (value !== undefined) options[key] = value
  }
  return resolveLauncherConfig(options as LauncherOptions)
}
