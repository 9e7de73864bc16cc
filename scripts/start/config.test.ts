import { expect, it } from 'vitest'
import { ConfigError, defaultInstanceConfig, instanceConfigFromEnv, instanceConfigToEnv } from '@realtime-workbook/sandbox-server/config'
import { clusterConfigs, launcherConfigFromEnv, resolveLauncherConfig } from './config.ts'

const REDIS = 'redis://127.0.0.1:6379'

it('has working defaults', () => {
  const config = launcherConfigFromEnv({})
  expect(config).toMatchObject({
    sitePort: 4321,
    sandboxPort: 4001,
    instances: 3,
    lan: false,
    redisUrl: REDIS,
    extraOrigins: [],
    restartDelayMs: 200,
  })
  expect(config.keyPrefix).toMatch(/^rtwb-/)
  expect(config.instance.streamCapacity).toBe(defaultInstanceConfig.streamCapacity)
})

it('reads and validates variables, with origins parsed as the instances parse them', () => {
  const config = launcherConfigFromEnv({
    SITE_PORT: '8080',
    SANDBOX_LAN: '1',
    SANDBOX_ORIGINS: 'http://10.0.0.5:8080/, http://a.test',
    REDIS_URL: 'off',
  })
  expect(config).toMatchObject({ sitePort: 8080, lan: true, redisUrl: null, extraOrigins: ['http://10.0.0.5:8080', 'http://a.test'] })
})

it('hands an instance exactly what it validated: http://192.168.1.20:4321/ reaches the instance as its origin', () => {
  const config = launcherConfigFromEnv({
    SANDBOX_ORIGINS: 'http://192.168.1.20:4321/',
    SANDBOX_MAX_STREAMS: '50',
    PORT: 'ignored by the launcher',
  })
  const { instances, emitter } = clusterConfigs(config, { sitePort: 4321, lanAddresses: ['10.1.2.3'] }, REDIS)
  expect(instances.map((instance) => [instance.instanceId, instance.port])).toEqual([
    ['i1', 4001],
    ['i2', 4002],
    ['i3', 4003],
  ])
  expect(emitter).toMatchObject({ instanceId: 'emitter', port: 4004 })
  for (const instanceConfig of [...instances, emitter]) {
    if (!instanceConfig) throw new Error('no emitter')
    // What the instance process reads: the launcher's environment, overridden by what it hands over.
    const seen = instanceConfigFromEnv({ SANDBOX_ORIGINS: 'ftp://stale', ...instanceConfigToEnv(instanceConfig) })
    expect(seen).toEqual(instanceConfig)
    expect(seen.allowedOrigins).toEqual(['http://localhost:4321', 'http://127.0.0.1:4321', 'http://192.168.1.20:4321'])
    expect(seen.maxStreams).toBe(50)
  }
})

it('adds the LAN addresses as origins only with SANDBOX_LAN=1, and runs the emitter only with Redis', () => {
  const config = launcherConfigFromEnv({ SANDBOX_LAN: '1', SANDBOX_PORT: '0' })
  const { instances, emitter } = clusterConfigs(config, { sitePort: 4321, lanAddresses: ['10.1.2.3'] }, null)
  expect(instances[0]).toMatchObject({ host: '0.0.0.0', port: 0, redisUrl: null })
  expect(instances[0]?.allowedOrigins).toContain('http://10.1.2.3:4321')
  expect(emitter).toBeNull()
})

it('fails in the launcher, naming every wrong variable, what it got and what it expects', () => {
  const run = (): unknown =>
    launcherConfigFromEnv({
      SITE_PORT: 'abc',
      SANDBOX_INSTANCES: '12',
      REDIS_URL: 'localhost',
      SANDBOX_ORIGINS: 'ftp://x',
      SANDBOX_STREAM_CAPACITY: '1',
    })
  expect(run).toThrow(ConfigError)
  expect(run).toThrow(
    new RegExp(
      [
        'SITE_PORT: "abc" is not a port \\(expected a whole number from 0 to 65535\\)',
        'SANDBOX_INSTANCES: "12" is not an instance count \\(expected a whole number from 1 to 8\\)',
        'REDIS_URL: "localhost" is not a Redis URL \\(expected redis://host:port',
        'SANDBOX_ORIGINS: "ftp://x" is not an origin \\(expected http\\(s\\)://host\\[:port\\]',
        'SANDBOX_STREAM_CAPACITY: "1" is not valid \\(expected a whole number from 10 to',
        'See README.md',
      ].join('[\\s\\S]*'),
    ),
  )
})

it('checks that the instances and the emitter fit below port 65535', () => {
  expect(() => resolveLauncherConfig({ sandboxPort: 65534 })).toThrow(/sandboxPort: 65534 leaves no room for 3 instances and the emitter/)
})
