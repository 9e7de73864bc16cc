/**
 * The nginx configuration of a deployment, rendered from the repository's template
 * (`deploy/nginx/realtime-workbook.conf.template`) and a checked description of the deployment
 * (which instances, where, the TLS files, the site's root). The same function renders the file a
 * server runs and the file the multi-host test runs (`tests/deploy`), so the test checks the
 * shipped configuration, not a copy. `/sandbox.json` is rendered into it from the same instance
 * list, so the widgets and nginx can never disagree on the instances' public ports.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import {
  canonicalAddress,
  defaultInstanceConfig,
  keyPrefixSchema,
  nameSchema,
  parseConfig,
  optionLabel,
  wholeNumber,
  type InstanceConfig,
} from '@realtime-workbook/sandbox-server/config'
import { isSandboxDirectory, type SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'

/** The repository's `deploy/` folder. */
export const DEPLOY_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy')
/** The template this module renders. */
export const NGINX_TEMPLATE = join(DEPLOY_DIR, 'nginx', 'realtime-workbook.conf.template')
/** The static proxy settings the rendered file includes (`{{PROXY_PARAMS}}` names where it is). */
export const NGINX_PROXY_PARAMS = join(DEPLOY_DIR, 'nginx', 'proxy.conf')

/**
 * Engine.IO's own `pingInterval` / `pingTimeout`, which the instances' main Socket.IO server keeps
 * (it sets neither; `index.test.ts` checks these against a real engine.io server).
 */
export const ENGINE_IO_PING_DEFAULTS = { pingIntervalMs: 25_000, pingTimeoutMs: 20_000 } as const

/** What `proxy_read_timeout` keeps above the instances' longest silence, ms. */
const PROXY_TIMEOUT_MARGIN_MS = 15_000

// Text that lands inside nginx directives: no whitespace, `;`, braces, quotes or `$`, so a value can
// never end a directive and start another.
const SAFE_PATH = /^\/[A-Za-z0-9._/@+-]{0,1023}$/
const pathSchema = z.string().regex(SAFE_PATH, 'expected an absolute path of A-Z a-z 0-9 . _ / @ + -')
const hostName = z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, 'expected a host name such as course.example.edu')
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$/, 'expected host:port, e.g. 10.0.0.11:4001 or i1:4001 (IPv4 or a name)')
const publicPort = wholeNumber(1, 65_535, 'a port')

/** One instance (or the emitter) as nginx reaches it, and the public port the browser uses for it alone. */
const backendSchema = z.object({ id: nameSchema, address: hostPort, publicPort }).strict()

/** A deployment as the nginx template needs it (`deploy/deploy.example.json` is one). */
export const deployConfigSchema = z
  .object({
    /** The public host name of the site (and of the instances' ports). */
    serverName: hostName,
    /**
     * nginx's own address on the private network, as the instances see it: the rendered file
     * connects to them from it (`proxy_bind`), and the instances trust it
     * (`SANDBOX_TRUSTED_PROXIES`, {@link instanceEnvironment}) to name each client in
     * `X-Forwarded-For`. Absent: no `proxy_bind`, and the instances must trust nobody (every
     * learner then has nginx's address, one budget for the class).
     */
    proxyAddress: z
      .string()
      .transform((value, ctx) => {
        const address = canonicalAddress(value)
        if (address !== null) return address
        ctx.addIssue({ code: 'custom', message: 'expected an IP address, e.g. 10.0.0.10' })
        return z.NEVER
      })
      .optional(),
    /** The address nginx listens on; empty: every address. @default '' */
    listenAddress: z.union([z.literal(''), z.string().regex(/^[0-9.]{7,15}$/, 'expected an IPv4 address or ""')]).default(''),
    /** Plain HTTP (redirects to HTTPS only). @default 80 */
    httpPort: publicPort.default(80),
    /** The site and the balanced sandbox paths. @default 443 */
    httpsPort: publicPort.default(443),
    tlsCertificate: pathSchema,
    tlsCertificateKey: pathSchema,
    /** The built site (`site/dist`) as nginx sees it. */
    siteRoot: pathSchema,
    /** Where `deploy/nginx/proxy.conf` was copied. @default '/etc/nginx/snippets/rtwb-proxy.conf' */
    proxyParams: pathSchema.default('/etc/nginx/snippets/rtwb-proxy.conf'),
    /** @default '/var/log/nginx/realtime-workbook.access.log' */
    accessLog: pathSchema.default('/var/log/nginx/realtime-workbook.access.log'),
    instances: z.array(backendSchema).min(1).max(32),
    /** The Redis emitter process (lesson 3's `POST /emit`), when deployed. */
    emitter: backendSchema.optional(),
    /**
     * `false` removes the `hash` line: round robin, which breaks long polling (lesson 3's 400s).
     * Only the multi-host test sets it, to show that breakage on a real nginx. @default true
     */
    sticky: z.boolean().default(true),
  })
  .strict()

export type DeployConfig = z.output<typeof deployConfigSchema>
export type DeployOptions = z.input<typeof deployConfigSchema>

/**
 * Validates a deployment description; errors name the field (`instances.0.address: ...`).
 *
 * @example
 * resolveDeployConfig({ serverName: 'a.test', tlsCertificate: '/c', tlsCertificateKey: '/k', siteRoot: '/s',
 *   instances: [{ id: 'i1', address: '10.0.0.11:4001', publicPort: 4001 }] }).httpsPort // => 443
 */
export function resolveDeployConfig(options: unknown, source = 'deploy configuration'): DeployConfig {
  return parseConfig(deployConfigSchema, options, { source, label: optionLabel })
}

/**
 * Seconds of `proxy_read_timeout`: above the longest an instance stays silent on an open request
 * (Engine.IO's ping interval + timeout on both Socket.IO servers, a held long poll, an idle SSE
 * stream), so nginx never cuts a healthy connection.
 *
 * @example
 * proxyReadTimeoutSeconds() // => 60
 */
export function proxyReadTimeoutSeconds(config: InstanceConfig = defaultInstanceConfig): number {
  const silences = [
    ENGINE_IO_PING_DEFAULTS.pingIntervalMs + ENGINE_IO_PING_DEFAULTS.pingTimeoutMs,
    config.resiliencePingIntervalMs + config.resiliencePingTimeoutMs,
    config.longPollMaxWaitMs,
    config.sseKeepAliveMs,
  ]
  return Math.ceil((Math.max(...silences) + PROXY_TIMEOUT_MARGIN_MS) / 1000)
}

/**
 * The `/sandbox.json` of the deployment: each instance by its public port on the site's host.
 *
 * @example
 * sandboxDirectory(config).instances[0] // => { id: 'i1', port: 4001 }
 */
export function sandboxDirectory(config: DeployConfig): SandboxDirectory {
  const directory: SandboxDirectory = {
    instances: config.instances.map(({ id, publicPort: port }) => ({ id, port })),
    ...(config.emitter ? { emitter: { port: config.emitter.publicPort } } : {}),
    fanout: 'redis',
  }
  if (!isSandboxDirectory(directory)) throw new Error('the rendered /sandbox.json breaks the protocol')
  return directory
}

/**
 * The variables the deployment's instances need from this file (beside their own settings):
 * `SANDBOX_TRUSTED_PROXIES` = nginx's `proxyAddress`, or nothing without one.
 *
 * @example
 * instanceEnvironment(config) // => { SANDBOX_TRUSTED_PROXIES: '10.0.0.10' }
 */
export function instanceEnvironment(config: DeployConfig): Record<string, string> {
  return config.proxyAddress === undefined ? {} : { SANDBOX_TRUSTED_PROXIES: config.proxyAddress }
}

/** Replaces every `{{NAME}}` of `text`; throws on a placeholder it has no value for. */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`the nginx template has ${whole}, which nothing fills`)
    return value
  })
}

/**
 * The nginx configuration for `config`, from the repository's template (or `template`, for tests).
 *
 * @example
 * writeFileSync('/etc/nginx/conf.d/realtime-workbook.conf', renderNginxConfig(resolveDeployConfig(json)))
 */
export function renderNginxConfig(config: DeployConfig, template = readFileSync(NGINX_TEMPLATE, 'utf8')): string {
  const block = /^# BEGIN instance\n([\s\S]*?)^# END instance\n/m
  const match = block.exec(template)
  if (!match?.[1]) throw new Error('the nginx template has no "# BEGIN instance ... # END instance" block')
  const listen = (port: number): string => (config.listenAddress ? `${config.listenAddress}:${port}` : String(port))
  const common = {
    SERVER_NAME: config.serverName,
    ACCESS_LOG: config.accessLog,
    TLS_CERTIFICATE: config.tlsCertificate,
    TLS_CERTIFICATE_KEY: config.tlsCertificateKey,
    PROXY_PARAMS: config.proxyParams,
    PROXY_READ_TIMEOUT: `${proxyReadTimeoutSeconds()}s`,
    PROXY_BIND:
      config.proxyAddress === undefined
        ? '# no proxy_bind: deploy.json has no proxyAddress, so the instances trust no proxy'
        : `proxy_bind ${config.proxyAddress};`,
  }
  const backends = config.emitter ? [...config.instances, config.emitter] : config.instances
  const perInstance = backends
    .map((b) =>
      fill(match[1] ?? '', {
        ...common,
        INSTANCE_ID: b.id,
        INSTANCE_ADDRESS: b.address,
        INSTANCE_PUBLIC_PORT: String(b.publicPort),
        INSTANCE_LISTEN: listen(b.publicPort),
      }),
    )
    .join('\n')
  const main = fill(template.replace(block, '{{INSTANCE_BLOCKS}}'), {
    ...common,
    HTTP_LISTEN: listen(config.httpPort),
    HTTPS_LISTEN: listen(config.httpsPort),
    SITE_ROOT: config.siteRoot,
    SANDBOX_JSON: JSON.stringify(sandboxDirectory(config)),
    UPSTREAM_SERVERS: config.instances.map((i) => `    server ${i.address} max_fails=1 fail_timeout=10s;`).join('\n'),
    INSTANCE_BLOCKS: perInstance,
  })
  return config.sticky ? main : main.replace(/^\s*hash \$remote_addr consistent;\n/m, '')
}

/**
 * Every Redis command the instances and the emitter send (their adapters, Lua scripts, rate
 * limiters, Admin UI sessions, lesson 5's stream, ioredis's own connection set-up), measured with
 * `INFO commandstats` on a private Redis after the integration tests (docs/deploy.md, "Redis").
 * Subcommands are written `command|sub`, as `ACL SETUSER` takes them.
 */
export const INSTANCE_REDIS_COMMANDS = [
  // connection set-up (ioredis: HELLO with AUTH, ready check, connection name), health, close
  'hello',
  'ping',
  'info',
  'client|setname',
  'quit',
  // pub/sub: classic adapter, sharded adapter, emitter, the lesson-3 tap, cluster requests
  'publish',
  'subscribe',
  'unsubscribe',
  'psubscribe',
  'punsubscribe',
  'spublish',
  'ssubscribe',
  'sunsubscribe',
  'pubsub|numsub',
  'pubsub|shardnumsub',
  // lesson 5's Streams adapter
  'xadd',
  'xread',
  'xrange',
  // Lua scripts (classes, rate limits: the commands inside a script are checked too) and the
  // keys they and the stores (classes, Admin UI sessions) touch
  'eval',
  'evalsha',
  'multi',
  'exec',
  'get',
  'set',
  'del',
  'exists',
  'expire',
  'pttl',
  'incrby',
  'hget',
  'hset',
  'hdel',
  'hgetall',
  'hlen',
  'zadd',
  'zrange',
  'zrem',
  'zcard',
] as const

/**
 * The `users.acl` line of the instances' Redis user: only {@link INSTANCE_REDIS_COMMANDS}, only keys
 * under the deployment's prefix, the password stored as its SHA-256 (never in clear). Channels
 * stay open (`allchannels`): the classic adapter PSUBSCRIBEs one pattern per namespace, and Redis
 * accepts a PSUBSCRIBE only for a pattern the ACL lists literally.
 *
 * @example
 * redisAclUser({ user: 'rtwb', keyPrefix: 'rtwb-course', password }) // => 'user rtwb on #5e88... ~rtwb-course* ...'
 */
export function redisAclUser(options: { user: string; keyPrefix: string; password: string }): string {
  const user = nameSchema.parse(options.user)
  const keyPrefix = keyPrefixSchema.parse(options.keyPrefix)
  if (options.password.length < 32) throw new Error('the Redis password must be 32+ characters')
  const hash = createHash('sha256').update(options.password).digest('hex')
  const commands = INSTANCE_REDIS_COMMANDS.map((command) => `+${command}`).join(' ')
  return `user ${user} on #${hash} resetkeys ~${keyPrefix}* allchannels -@all ${commands}`
}
