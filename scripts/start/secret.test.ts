/**
 * Lesson 4's token key: the launcher generates one per start and hands the SAME key to every
 * instance (any instance verifies any token); a configured key is kept; a bad one is refused
 * without ever being shown.
 */
import { describe, expect, it } from 'vitest'
import { clusterConfigs, launcherConfigFromEnv, resolveLauncherConfig } from './config.ts'

const site = { sitePort: 4321, lanAddresses: [] }

describe('the token key', () => {
  it('is generated per start and shared by every instance', () => {
    const config = resolveLauncherConfig({})
    const first = clusterConfigs(config, site, 'redis://127.0.0.1:6379')
    const keys = new Set(first.instances.map((instance) => instance.tokenSecret))
    expect(keys.size).toBe(1)
    expect([...keys][0]).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(clusterConfigs(config, site, null).instances[0]?.tokenSecret).not.toBe([...keys][0])
  })

  it('keeps a configured key, and refuses a bad one without printing it', () => {
    const secret = 's'.repeat(40)
    const config = launcherConfigFromEnv({ SANDBOX_TOKEN_SECRET: secret })
    expect(clusterConfigs(config, site, null).instances.every((instance) => instance.tokenSecret === secret)).toBe(true)
    expect(() => launcherConfigFromEnv({ SANDBOX_TOKEN_SECRET: 'hunter2-is-short' })).toThrow(/SANDBOX_TOKEN_SECRET/)
    try {
      launcherConfigFromEnv({ SANDBOX_TOKEN_SECRET: 'hunter2-is-short' })
    } catch (error) {
      expect(String(error)).not.toContain('hunter2')
    }
  })

  it("the instructor's secret: INSTRUCTOR_TOKEN or one per start, the same for every instance, never the emitter's", () => {
    const generated = clusterConfigs(resolveLauncherConfig({}), site, 'redis://127.0.0.1:6379')
    expect(generated.instructorToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(generated.instances.every((instance) => instance.instructorToken === generated.instructorToken)).toBe(true)
    expect(generated.emitter?.instructorToken).toBeNull()
    expect(generated.instructorToken).not.toBe(generated.instances[0]?.tokenSecret)
    const chosen = 'i'.repeat(40)
    const configured = clusterConfigs(launcherConfigFromEnv({ INSTRUCTOR_TOKEN: chosen }), site, null)
    expect(configured.instructorToken).toBe(chosen)
    expect(() => launcherConfigFromEnv({ INSTRUCTOR_TOKEN: 'hunter2-is-short' })).toThrow(/INSTRUCTOR_TOKEN/)
  })

  it('the attacker page defaults to the site port + 1', () => {
    expect(resolveLauncherConfig({ sitePort: 5000 }).attackerPort).toBe(5001)
    expect(resolveLauncherConfig({ sitePort: 0 }).attackerPort).toBe(0)
  })
})
