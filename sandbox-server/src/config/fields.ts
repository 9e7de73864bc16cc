/**
 * Field schemas shared by the instance configuration and the launcher (`npm start`): a port, an
 * origin, a Redis URL, a key prefix, a flag, a bounded number are each parsed ONE way, so the
 * launcher never accepts a value that its instances then refuse. Each accepts the string an
 * environment variable holds as well as the typed value, and its error message shows the value
 * received and says what is expected (the caller prefixes the variable or option name).
 *
 * @module
 */
import { isIP } from 'node:net'
import { z } from 'zod'

/** A received value as shown in a message: JSON-quoted, cut at 60 characters. */
export function showValue(value: unknown): string {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return shown.length > 60 ? `${shown.slice(0, 57)}...` : shown
}

const numberOrString = z.union([z.number(), z.string()])

/** Parses a number from an environment string (`""` and `"12abc"` are not numbers). */
function toNumber(value: number | string): number {
  return typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value.trim())
}

/**
 * A whole number from `min` to `max`, given as a number or a decimal string.
 *
 * @example
 * wholeNumber(1, 8).parse('3') // => 3
 * wholeNumber(1, 8, 'an instance count').parse('12') // throws: "12" is not an instance count (expected a whole number from 1 to 8)
 */
export function wholeNumber(min: number, max: number, noun = 'valid') {
  return numberOrString.transform((value, ctx) => {
    const number = toNumber(value)
    if (Number.isInteger(number) && number >= min && number <= max) return number
    ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not ${noun} (expected a whole number from ${min} to ${max})` })
    return z.NEVER
  })
}

/**
 * A number greater than 0 and at most `max` (fractions allowed, e.g. 0.5 events per second).
 *
 * @example
 * positiveNumber(100).parse('0.5') // => 0.5
 */
export function positiveNumber(max: number) {
  return numberOrString.transform((value, ctx) => {
    const number = toNumber(value)
    if (Number.isFinite(number) && number > 0 && number <= max) return number
    ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not valid (expected a number above 0 and at most ${max})` })
    return z.NEVER
  })
}

/**
 * A duration in milliseconds, a whole number from `min` to `max`.
 *
 * @example
 * durationMs(100, 60_000).parse('2000') // => 2000
 */
export function durationMs(min: number, max: number) {
  return wholeNumber(min, max, 'a duration in ms')
}

/**
 * A TCP port; `0` asks the system for a free one.
 *
 * @example
 * portSchema.parse('4001') // => 4001
 */
export const portSchema = wholeNumber(0, 65535, 'a port')

/**
 * The origin a browser sends for a page at `value`, or `null` when `value` is not an http(s)
 * origin. A trailing `/` is accepted (it is what the address bar shows) and dropped; a path,
 * query, fragment or credentials are not.
 */
export function toOrigin(value: string): string | null {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    return null
  }
  const plain = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password
  return (url.protocol === 'http:' || url.protocol === 'https:') && plain ? url.origin : null
}

const notAnOrigin = (value: string): string =>
  `${showValue(value)} is not an origin (expected http(s)://host[:port] with no path, e.g. http://192.168.1.20:4321)`

/**
 * A page origin, normalised as a browser sends it in `Origin` (`http://192.168.1.20:4321/` ->
 * `http://192.168.1.20:4321`, `HTTP://LOCALHOST` -> `http://localhost`).
 *
 * @example
 * originSchema.parse('http://192.168.1.20:4321/') // => 'http://192.168.1.20:4321'
 */
export const originSchema = z.string().transform((value, ctx) => {
  const origin = toOrigin(value)
  if (origin !== null) return origin
  ctx.addIssue({ code: 'custom', message: notAnOrigin(value) })
  return z.NEVER
})

/**
 * Page origins, as a list or a comma-separated string; each one normalised like
 * {@link originSchema}, duplicates dropped. Every bad entry is reported.
 *
 * @example
 * originList().parse('http://a.test/, http://a.test') // => ['http://a.test']
 * originList({ required: true }).parse(' , ') // throws: no origin given (expected at least one, ...)
 */
export function originList(options: { required?: boolean } = {}) {
  return z.union([z.string(), z.array(z.string())]).transform((value, ctx) => {
    const entries = (typeof value === 'string' ? value.split(',') : value).map((entry) => entry.trim()).filter(Boolean)
    if (entries.length === 0 && options.required) {
      ctx.addIssue({ code: 'custom', message: 'no origin given (expected at least one, e.g. http://localhost:4321)' })
    }
    const origins = new Set<string>()
    for (const entry of entries) {
      const origin = toOrigin(entry)
      if (origin === null) ctx.addIssue({ code: 'custom', message: notAnOrigin(entry) })
      else origins.add(origin)
    }
    return [...origins]
  })
}

/**
 * A URL as it may be shown (an error, a log line, an answer): any `user:password@` replaced by
 * `***@`, even when the rest does not parse as a URL.
 *
 * @example
 * redactUrl('redis://rtwb:s3cret@10.0.0.5:6379') // => 'redis://***@10.0.0.5:6379'
 */
export const redactUrl = (url: string): string => url.replace(/^([^/]*\/\/)[^@/]*@/, '$1***@')

/**
 * A Redis URL (`redis://` or `rediss://`), or `off` / `null` for no Redis at all.
 *
 * @example
 * redisUrlSchema.parse('off') // => null
 */
export const redisUrlSchema = z.union([z.string(), z.null()]).transform((value, ctx) => {
  if (value === null || value.trim() === 'off') return null
  const url = value.trim()
  let parsed: URL | null = null
  try {
    parsed = new URL(url)
  } catch {
    // reported below
  }
  if (parsed && (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') && parsed.hostname) return url
  ctx.addIssue({
    code: 'custom',
    // The value may carry the Redis password: shown without it.
    message: `${showValue(redactUrl(value))} is not a Redis URL (expected redis://host:port, rediss://host:port, or off)`,
  })
  return z.NEVER
})

/** One node of a Redis Cluster, as ioredis `Cluster` takes it. */
export interface RedisNode {
  host: string
  port: number
}

/** Nodes a cluster list may name: enough seeds for any cluster (ioredis discovers the rest). */
const MAX_REDIS_NODES = 32

/** `host:port` or `[ipv6]:port` as a node, or `null` when it is not one. */
function toRedisNode(entry: string): RedisNode | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]{1,253})):(\d{1,5})$/.exec(entry)
  const port = Number(match?.[3])
  const host = match?.[1] ?? match?.[2]
  return host && Number.isInteger(port) && port >= 1 && port <= 65535 ? { host, port } : null
}

/**
 * A node as `host:port` (an IPv6 host in brackets), as {@link redisNodeListSchema} reads it back.
 *
 * @example
 * redisNodeKey({ host: '::1', port: 7000 }) // => '[::1]:7000'
 */
export function redisNodeKey(node: RedisNode): string {
  return `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`
}

/**
 * Seed nodes of a Redis Cluster, as a comma-separated `host:port` list or a list of entries
 * (`host:port` strings or `{ host, port }`), or
 * `off` / `null` for none. Every bad entry is reported; duplicates are dropped.
 *
 * @example
 * redisNodeListSchema.parse('127.0.0.1:7000, 127.0.0.1:7001') // => [{ host: '127.0.0.1', port: 7000 }, { host: '127.0.0.1', port: 7001 }]
 * redisNodeListSchema.parse('off') // => null
 */
export const redisNodeListSchema = z
  .union([z.string(), z.array(z.union([z.string(), z.object({ host: z.string(), port: z.number() }).strict()])), z.null()])
  .transform((value, ctx): RedisNode[] | null => {
    if (value === null || (typeof value === 'string' && value.trim() === 'off')) return null
    // A resolved configuration's nodes come back as objects (a configuration is re-validated).
    const entries = (typeof value === 'string' ? value.split(',') : value)
      .map((entry) => (typeof entry === 'string' ? entry : redisNodeKey(entry)).trim())
      .filter(Boolean)
    if (entries.length === 0 || entries.length > MAX_REDIS_NODES) {
      ctx.addIssue({
        code: 'custom',
        message: `${entries.length} nodes given (expected 1 to ${MAX_REDIS_NODES} host:port entries, or off)`,
      })
      return z.NEVER
    }
    const nodes = new Map<string, RedisNode>()
    for (const entry of entries) {
      const node = toRedisNode(entry)
      if (node) nodes.set(`${node.host}:${node.port}`, node)
      else ctx.addIssue({ code: 'custom', message: `${showValue(entry)} is not a Redis node (expected host:port, e.g. 10.0.0.5:7000)` })
    }
    return [...nodes.values()]
  })

/** Entries a trusted-proxy list may hold: a deployment has a few proxies, not a network of them. */
export const MAX_TRUSTED_PROXIES = 32

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.5`), as a dual-stack socket reports an IPv4 peer. */
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

/**
 * An IP address in the one form it is compared and counted in: IPv6 in lower case, an
 * IPv4-mapped IPv6 address as plain IPv4 (one client, one key, whichever socket family saw it);
 * `null` when `value` is not an IP address (a zone id `%eth0` is not accepted: no proxy sends one).
 *
 * @example
 * canonicalAddress('::FFFF:10.0.0.5') // => '10.0.0.5'
 * canonicalAddress('unknown') // => null
 */
export function canonicalAddress(value: string): string | null {
  const address = IPV4_MAPPED.exec(value)?.[1] ?? value.toLowerCase()
  return isIP(address) === 0 || address.includes('%') ? null : address
}

/**
 * One trusted-proxy entry, canonical: an address (`10.0.0.10`, `fd00::1`) or a CIDR range
 * (`10.0.0.0/24`, `fd00::/64`); a mapped range (`::ffff:10.0.0.0/120`) as its IPv4 range
 * (`10.0.0.0/24`). `null` when it is none of these, or a `/0`, which would trust every client.
 *
 * @example
 * toProxyEntry('FD00::/64') // => 'fd00::/64'
 * toProxyEntry('10.0.0.0/33') // => null
 */
export function toProxyEntry(entry: string): string | null {
  const [text = '', prefixText, extra] = entry.split('/')
  const address = canonicalAddress(text)
  if (address === null || extra !== undefined) return null
  if (prefixText === undefined) return address
  if (!/^\d{1,3}$/.test(prefixText)) return null
  const mapped = isIP(address) === 4 && isIP(text) === 6
  const prefix = Number(prefixText) - (mapped ? 96 : 0)
  return prefix >= 1 && prefix <= (isIP(address) === 4 ? 32 : 128) ? `${address}/${prefix}` : null
}

/**
 * The proxies whose `X-Forwarded-For` an instance believes (nginx in front of it), as a
 * comma-separated string or a list: IP addresses and CIDR ranges, IPv4 or IPv6, each made
 * canonical by {@link toProxyEntry}, duplicates dropped, at most {@link MAX_TRUSTED_PROXIES}.
 * Every bad entry is reported. Empty: trust nobody.
 *
 * @example
 * trustedProxyList.parse('10.0.0.10, ::ffff:10.0.0.11, fd00::/64') // => ['10.0.0.10', '10.0.0.11', 'fd00::/64']
 * trustedProxyList.parse('10.0.0.0/0') // throws: "10.0.0.0/0" is not a trusted proxy (...)
 */
export const trustedProxyList = z.union([z.string(), z.array(z.string())]).transform((value, ctx) => {
  const entries = (typeof value === 'string' ? value.split(',') : value).map((entry) => entry.trim()).filter(Boolean)
  if (entries.length > MAX_TRUSTED_PROXIES) {
    ctx.addIssue({
      code: 'custom',
      message: `${entries.length} entries given (expected at most ${MAX_TRUSTED_PROXIES} addresses or ranges)`,
    })
    return z.NEVER
  }
  const proxies = new Set<string>()
  for (const entry of entries) {
    const proxy = toProxyEntry(entry)
    if (proxy !== null) proxies.add(proxy)
    else
      ctx.addIssue({
        code: 'custom',
        message: `${showValue(entry)} is not a trusted proxy (expected an IP address or a CIDR range such as 10.0.0.10 or 10.0.0.0/24; /0 would trust every client)`,
      })
  }
  return [...proxies]
})

/**
 * The prefix of every Redis channel of one deployment.
 *
 * @example
 * keyPrefixSchema.parse('rtwb-lab-4321') // => 'rtwb-lab-4321'
 */
export const keyPrefixSchema = z.string().transform((value, ctx) => {
  if (/^[A-Za-z0-9:_.-]{1,64}$/.test(value)) return value
  ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not a key prefix (expected 1-64 characters of A-Z a-z 0-9 : _ . -)` })
  return z.NEVER
})

/**
 * A yes/no switch: `1`/`true` or `0`/`false` (an empty variable counts as unset, i.e. `0`).
 *
 * @example
 * flagSchema.parse('1') // => true
 */
export const flagSchema = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value
  const text = value.trim().toLowerCase()
  if (text === '1' || text === 'true') return true
  if (text === '0' || text === 'false' || text === '') return false
  ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not a switch (expected 1 or 0)` })
  return z.NEVER
})

/**
 * A name made of a-z, 0-9 and `-`, 1-16 characters (instance ids).
 *
 * @example
 * nameSchema.parse('i2') // => 'i2'
 */
export const nameSchema = z.string().transform((value, ctx) => {
  if (/^[a-z0-9-]{1,16}$/.test(value)) return value
  ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not a name (expected 1-16 characters of a-z, 0-9 and -)` })
  return z.NEVER
})

/**
 * A host name or address to listen on.
 *
 * @example
 * hostSchema.parse('0.0.0.0') // => '0.0.0.0'
 */
export const hostSchema = z.string().transform((value, ctx) => {
  if (/^[A-Za-z0-9.:[\]-]{1,255}$/.test(value)) return value
  ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not a host (expected an address such as 127.0.0.1, 0.0.0.0 or ::)` })
  return z.NEVER
})

/**
 * A signing secret (lesson 4's token key): at least 32 characters of A-Z a-z 0-9 `-` `_`, or
 * `off` / empty / `null` for "none given" (an instance then generates its own at start). Its
 * error message never shows the value: a secret is never printed.
 *
 * @example
 * secretSchema.parse('off') // => null
 */
export const secretSchema = z.union([z.string(), z.null()]).transform((value, ctx) => {
  if (value === null || value.trim() === '' || value.trim() === 'off') return null
  if (/^[A-Za-z0-9_-]{32,512}$/.test(value)) return value
  ctx.addIssue({
    code: 'custom',
    message: `the value (${value.length} characters, not shown) is not a secret (expected 32-512 characters of A-Z a-z 0-9 - _, or off)`,
  })
  return z.NEVER
})

/**
 * A bcrypt hash (`$2a$` / `$2b$` / `$2y$`, cost 4-15, 60 characters), or `null` (`off`, empty).
 * The message never shows the value: a hash can be attacked offline.
 *
 * @example
 * bcryptHashSchema.parse('off') // => null
 * bcryptHashSchema.parse('$2b$10$' + 'a'.repeat(53)) // => the hash
 */
export const bcryptHashSchema = z.union([z.string(), z.null()]).transform((value, ctx) => {
  if (value === null || value.trim() === '' || value.trim() === 'off') return null
  if (/^\$2[aby]\$(0[4-9]|1[0-5])\$[./A-Za-z0-9]{53}$/.test(value)) return value
  ctx.addIssue({
    code: 'custom',
    message: `the value (${value.length} characters, not shown) is not a bcrypt hash (expected $2a$, $2b$ or $2y$, a cost from 04 to 15, 53 characters of ./A-Za-z0-9; or off)`,
  })
  return z.NEVER
})

/**
 * One of a fixed list of words (a log level, a format).
 *
 * @example
 * choiceSchema(['json', 'pretty']).parse('pretty') // => 'pretty'
 */
export function choiceSchema<const L extends readonly [string, ...string[]]>(values: L) {
  return z.string().transform((value, ctx): L[number] => {
    const text = value.trim().toLowerCase()
    const found = values.find((choice) => choice === text)
    if (found !== undefined) return found
    ctx.addIssue({ code: 'custom', message: `${showValue(value)} is not valid (expected one of ${values.join(', ')})` })
    return z.NEVER
  })
}
