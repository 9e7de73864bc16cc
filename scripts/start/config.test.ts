import { expect, it } from 'vitest'
import { launcherConfigFromEnv } from './config.ts'

it('has working defaults', () => {
  const config = launcherConfigFromEnv({})
  expect(config).toMatchObject({ sitePort: 4321, sandboxPort: 4001, instances: 3, lan: false, redisUrl: 'redis://127.0.0.1:6379', extraOrigins: [] })
  expect(config.keyPrefix).toMatch(/^rtwb-/)
})

it('reads and validates variables', () => {
  const config = launcherConfigFromEnv({ SITE_PORT: '8080', SANDBOX_LAN: '1', SANDBOX_ORIGINS: 'http://10.0.0.5:8080, http://a.test' })
  expect(config).toMatchObject({ sitePort: 8080, lan: true, extraOrigins: ['http://10.0.0.5:8080', 'http://a.test'] })
})

it('says which variable is wrong and what it expects', () => {
  expect(() => launcherConfigFromEnv({ SITE_PORT: 'abc', SANDBOX_INSTANCES: '12', REDIS_URL: 'localhost' })).toThrow(
    /SITE_PORT must be a port number[\s\S]*SANDBOX_INSTANCES must be 1 to 8[\s\S]*REDIS_URL must look like redis:\/\/host:port/,
  )
})
