import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  defaultInstanceConfig,
  ENV_NAMES,
  instanceConfigFromEnv,
  instanceConfigToEnv,
  originSchema,
  resolveInstanceConfig,
} from './index.ts'

/** The message of the ConfigError `run` throws. */
function problemsOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error instanceof ConfigError ? error.message : ''
  }
  return expect.unreachable('no ConfigError thrown')
}

describe('resolveInstanceConfig', () => {
  it('merges the defaults', () => {
    const config = resolveInstanceConfig({ port: 0 })
    expect(config).toMatchObject({ instanceId: 'i1', port: 0, host: '127.0.0.1', keyPrefix: 'rtwb', streamCapacity: 2_000 })
    expect(config.allowedOrigins).toContain('http://localhost:4321')
    expect(defaultInstanceConfig).toEqual(resolveInstanceConfig())
  })

  it('rejects unknown options and bad values with the option named', () => {
    expect(problemsOf(() => resolveInstanceConfig({ port: 70_000 }))).toMatch(
      /port: 70000 is not a port \(expected a whole number from 0 to 65535\)/,
    )
    expect(problemsOf(() => resolveInstanceConfig({ nope: 1 } as never))).toMatch(/Unrecognized key/)
  })

  it('takes what it returned as options again (idempotent)', () => {
    const config = resolveInstanceConfig({ allowedOrigins: ['http://a.test/'], redisUrl: null })
    expect(resolveInstanceConfig(config)).toEqual(config)
  })
})

describe('origins', () => {
  it('are normalised as a browser sends them in Origin', () => {
    expect(originSchema.parse('http://192.168.1.20:4321/')).toBe('http://192.168.1.20:4321')
    expect(originSchema.parse('HTTPS://Example.TEST:443')).toBe('https://example.test')
  })

  it('refuse anything that is not an http(s) origin', () => {
    for (const bad of ['ftp://x', 'localhost:4321', 'http://a.test/app', 'http://a.test/?q', 'http://u:p@a.test', '']) {
      expect(originSchema.safeParse(bad).success, bad).toBe(false)
    }
  })
})

describe('instanceConfigFromEnv', () => {
  it('reads variables, splits and normalises origins, REDIS_URL=off', () => {
    const config = instanceConfigFromEnv({
      PORT: '4002',
      INSTANCE_ID: 'i2',
      SANDBOX_ORIGINS: 'http://localhost:4321, http://192.168.1.20:4321/',
      REDIS_URL: 'off',
      SANDBOX_STREAM_CAPACITY: '500',
      SANDBOX_CLUSTER_TIMEOUT_MS: '',
    })
    expect(config).toMatchObject({ port: 4002, instanceId: 'i2', redisUrl: null, streamCapacity: 500, clusterRequestsTimeoutMs: 2_000 })
    expect(config.allowedOrigins).toEqual(['http://localhost:4321', 'http://192.168.1.20:4321'])
  })

  it('names every variable that is wrong, with the value and what is expected', () => {
    const message = problemsOf(() =>
      instanceConfigFromEnv({ PORT: 'abc', SANDBOX_ORIGINS: 'http://localhost:4321,ftp://x', SANDBOX_STREAM_IDLE_MS: '5' }),
    )
    expect(message).toMatch(/^Invalid environment:/)
    expect(message).toMatch(/PORT: "abc" is not a port \(expected a whole number from 0 to 65535\)/)
    expect(message).toMatch(/SANDBOX_ORIGINS: "ftp:\/\/x" is not an origin \(expected http\(s\):\/\/host\[:port\]/)
    expect(message).toMatch(/SANDBOX_STREAM_IDLE_MS: "5" is not a duration in ms \(expected a whole number from 1000 to/)
  })

  it('reads back exactly what instanceConfigToEnv wrote', () => {
    const config = resolveInstanceConfig({
      instanceId: 'i3',
      port: 0,
      redisUrl: null,
      allowedOrigins: ['http://a.test', 'http://b.test:8080'],
      eventsPerSecond: 0.5,
    })
    const env = instanceConfigToEnv(config)
    expect(Object.keys(env).sort()).toEqual(Object.values(ENV_NAMES).sort())
    expect(instanceConfigFromEnv(env)).toEqual(config)
    expect(instanceConfigFromEnv(instanceConfigToEnv(defaultInstanceConfig))).toEqual(defaultInstanceConfig)
  })
})

describe('redisClusterNodes (REDIS_CLUSTER_NODES)', () => {
  it('reads a host:port list (IPv6 in brackets), drops duplicates and writes it back', () => {
    const config = instanceConfigFromEnv({ REDIS_CLUSTER_NODES: '10.0.0.5:7000, [::1]:7001,10.0.0.5:7000' })
    expect(config.redisClusterNodes).toEqual([
      { host: '10.0.0.5', port: 7000 },
      { host: '::1', port: 7001 },
    ])
    expect(instanceConfigToEnv(config).REDIS_CLUSTER_NODES).toBe('10.0.0.5:7000,[::1]:7001')
    expect(instanceConfigFromEnv(instanceConfigToEnv(config))).toEqual(config)
    expect(resolveInstanceConfig(config)).toEqual(config)
    expect(defaultInstanceConfig.redisClusterNodes).toBeNull()
  })

  it('names every bad node', () => {
    const message = problemsOf(() => instanceConfigFromEnv({ REDIS_CLUSTER_NODES: '10.0.0.5, redis://x:7000,h:0' }))
    expect(message).toMatch(/REDIS_CLUSTER_NODES: "10.0.0.5" is not a Redis node \(expected host:port/)
    expect(message).toMatch(/REDIS_CLUSTER_NODES: "redis:\/\/x:7000" is not a Redis node/)
    expect(message).toMatch(/REDIS_CLUSTER_NODES: "h:0" is not a Redis node/)
  })

  it('refuses a cluster without REDIS_URL, naming the field (only the sharded adapter runs on the cluster)', () => {
    expect(problemsOf(() => instanceConfigFromEnv({ REDIS_URL: 'off', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }))).toMatch(
      /REDIS_CLUSTER_NODES: a Redis Cluster carries only the sharded adapter; the rest of the instance needs a standalone Redis/,
    )
    expect(problemsOf(() => resolveInstanceConfig({ redisUrl: null, redisClusterNodes: ['127.0.0.1:7000'] }))).toMatch(
      /redisClusterNodes: a Redis Cluster carries only/,
    )
  })
})

describe('trustedProxies (SANDBOX_TRUSTED_PROXIES)', () => {
  it('trusts nobody by default; reads addresses and ranges of both families, canonical, and writes them back', () => {
    expect(defaultInstanceConfig.trustedProxies).toEqual([])
    const config = instanceConfigFromEnv({
      SANDBOX_TRUSTED_PROXIES: ' 10.0.0.10, ::FFFF:10.0.0.11,FD00::/64, ::ffff:10.1.0.0/112, 10.0.0.10',
    })
    expect(config.trustedProxies).toEqual(['10.0.0.10', '10.0.0.11', 'fd00::/64', '10.1.0.0/16'])
    expect(instanceConfigToEnv(config).SANDBOX_TRUSTED_PROXIES).toBe('10.0.0.10,10.0.0.11,fd00::/64,10.1.0.0/16')
    expect(instanceConfigFromEnv(instanceConfigToEnv(config))).toEqual(config)
    expect(resolveInstanceConfig(config)).toEqual(config)
  })

  it('names the variable and every bad entry; refuses /0 and more than 32 entries', () => {
    const message = problemsOf(() => instanceConfigFromEnv({ SANDBOX_TRUSTED_PROXIES: '10.0.0.10, nginx, 10.0.0.0/33, ::/0, 1.2.3.4/8/9' }))
    for (const bad of ['nginx', '10.0.0.0/33', '::/0', '1.2.3.4/8/9'])
      expect(message).toContain(`SANDBOX_TRUSTED_PROXIES: "${bad}" is not a trusted proxy (expected an IP address or a CIDR range`)
    expect(message).not.toContain('"10.0.0.10"')
    const many = Array.from({ length: 33 }, (_, n) => `10.0.0.${n + 1}`).join(',')
    expect(problemsOf(() => instanceConfigFromEnv({ SANDBOX_TRUSTED_PROXIES: many }))).toMatch(
      /SANDBOX_TRUSTED_PROXIES: 33 entries given \(expected at most 32/,
    )
  })
})

describe('REDIS_URL in errors', () => {
  it('never shows the password of a refused URL, parseable or not', () => {
    for (const url of ['http://rtwb:s3cret-pw@10.0.0.5:6379', 'redis//rtwb:s3cret-pw@host', 'redis://:s3cret-pw@']) {
      const message = problemsOf(() => instanceConfigFromEnv({ REDIS_URL: url }))
      expect(message).toMatch(/REDIS_URL: .* is not a Redis URL/)
      expect(message).not.toContain('s3cret-pw')
    }
  })
})
