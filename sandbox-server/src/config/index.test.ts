import { describe, expect, it } from 'vitest'
import { ConfigError, instanceConfigFromEnv, resolveInstanceConfig } from './index.ts'

describe('resolveInstanceConfig', () => {
  it('merges the defaults', () => {
    const config = resolveInstanceConfig({ port: 0 })
    expect(config).toMatchObject({ instanceId: 'i1', port: 0, host: '127.0.0.1', keyPrefix: 'rtwb' })
    expect(config.allowedOrigins).toContain('http://localhost:4321')
  })

  it('rejects unknown options and bad values with the field named', () => {
    expect(() => resolveInstanceConfig({ port: 70_000 })).toThrow(/port:/)
    expect(() => resolveInstanceConfig({ nope: 1 } as never)).toThrow(ConfigError)
  })
})

describe('instanceConfigFromEnv', () => {
  it('reads variables and splits origins', () => {
    const config = instanceConfigFromEnv({
      PORT: '4002',
      INSTANCE_ID: 'i2',
      SANDBOX_ORIGINS: 'http://localhost:4321, http://192.168.1.20:4321',
      REDIS_URL: 'off',
    })
    expect(config).toMatchObject({ port: 4002, instanceId: 'i2', redisUrl: null })
    expect(config.allowedOrigins).toEqual(['http://localhost:4321', 'http://192.168.1.20:4321'])
  })

  it('names the environment variable that is wrong and says what is expected', () => {
    try {
      instanceConfigFromEnv({ PORT: 'abc', SANDBOX_ORIGINS: 'localhost:4321' })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const message = (error as ConfigError).message
      expect(message).toMatch(/PORT: Expected number/)
      expect(message).toMatch(/SANDBOX_ORIGINS\.0: "localhost:4321" is not an origin \(expected/)
    }
  })
})
