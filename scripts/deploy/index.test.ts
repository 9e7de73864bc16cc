/**
 * The deployment files: the nginx template renders (sticky hash, upgrade headers, timeouts above
 * the instances' silences, TLS, one port per instance, /sandbox.json), refuses values that would
 * break out of a directive; the Compose file names only variables the instances' schema knows
 * and the files it mounts exist; the Redis ACL line holds no password in clear.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import yaml from 'js-yaml'
import { Server } from 'socket.io'
import { describe, expect, it } from 'vitest'
import { ConfigError, ENV_NAMES, defaultInstanceConfig } from '@realtime-workbook/sandbox-server/config'
import {
  DEPLOY_DIR,
  ENGINE_IO_PING_DEFAULTS,
  INSTANCE_REDIS_COMMANDS,
  instanceEnvironment,
  proxyReadTimeoutSeconds,
  redisAclUser,
  renderNginxConfig,
  resolveDeployConfig,
  sandboxDirectory,
} from './index.ts'

const example = resolveDeployConfig(JSON.parse(readFileSync(join(DEPLOY_DIR, 'deploy.example.json'), 'utf8')))

describe('the nginx configuration', () => {
  const text = renderNginxConfig(example)

  it('has a sticky upstream of every instance, the WebSocket upgrade and no placeholder left', () => {
    expect(text).toMatch(/upstream rtwb_sandbox \{\n(?:.*\n)*?\s+hash \$remote_addr consistent;/)
    for (const address of ['10.0.0.11:4001', '10.0.0.12:4001', '10.0.0.13:4001']) expect(text).toContain(`server ${address} max_fails=1`)
    expect(text).toContain('map $http_upgrade $connection_upgrade')
    expect(readFileSync(join(DEPLOY_DIR, 'nginx', 'proxy.conf'), 'utf8')).toMatch(
      /proxy_set_header Upgrade \$http_upgrade;\nproxy_set_header Connection \$connection_upgrade;/,
    )
    expect(text).not.toMatch(/\{\{|\}\}/)
  })

  it('terminates TLS on 443 and the instance ports, and redirects plain HTTP', () => {
    expect(text).toContain('listen 443 ssl;')
    for (const port of [4001, 4002, 4003, 4004]) expect(text).toContain(`listen ${port} ssl;`)
    expect(text).toContain('ssl_certificate /etc/letsencrypt/live/course.example.edu/fullchain.pem;')
    expect(text).toMatch(/listen 80;\n\s+server_name course\.example\.edu;\n(?:.*\n){0,2}\s+return 301 https:\/\/\$host\$request_uri;/)
  })

  it('serves /sandbox.json naming each instance by its public port, beside the site and the sandbox paths', () => {
    expect(sandboxDirectory(example)).toEqual({
      instances: [
        { id: 'i1', port: 4001 },
        { id: 'i2', port: 4002 },
        { id: 'i3', port: 4003 },
      ],
      emitter: { port: 4004 },
      fanout: 'redis',
    })
    expect(text).toContain(`return 200 '${JSON.stringify(sandboxDirectory(example))}';`)
    expect(text).toContain('root /srv/realtime-workbook/site/dist;')
    for (const path of ['/socket.io/', '/resilience/', '/t/', '/s/', '= /healthz', '= /token']) expect(text).toContain(`location ${path} {`)
  })

  it('keeps proxy_read_timeout above every silence of an instance (Engine.IO pings, long polls, SSE)', () => {
    // The main server keeps Engine.IO's defaults: read them from a real server.
    const io = new Server(createServer())
    const { pingInterval = 0, pingTimeout = 0 } = io.engine.opts
    void io.close()
    expect({ pingIntervalMs: pingInterval, pingTimeoutMs: pingTimeout }).toEqual(ENGINE_IO_PING_DEFAULTS)
    const seconds = proxyReadTimeoutSeconds()
    expect(seconds * 1000).toBeGreaterThan(pingInterval + pingTimeout)
    expect(seconds * 1000).toBeGreaterThan(defaultInstanceConfig.longPollMaxWaitMs)
    expect(text).toContain(`proxy_read_timeout ${seconds}s;`)
  })

  it('round robin (sticky: false) removes only the hash line', () => {
    const roundRobin = renderNginxConfig({ ...example, sticky: false })
    expect(roundRobin).not.toContain('hash $remote_addr')
    expect(roundRobin.split('\n').length).toBe(text.split('\n').length - 1)
  })

  it('connects to the instances from proxyAddress, the one address the instances trust with X-Forwarded-For', () => {
    expect(text.split('\n').filter((line) => line.trim() === 'proxy_bind 10.0.0.10;')).toHaveLength(1 + 4)
    expect(readFileSync(join(DEPLOY_DIR, 'nginx', 'proxy.conf'), 'utf8')).toContain(
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    )
    expect(instanceEnvironment(example)).toEqual({ SANDBOX_TRUSTED_PROXIES: '10.0.0.10' })
    const { proxyAddress: _none, ...withoutProxy } = example
    expect(renderNginxConfig(withoutProxy)).not.toMatch(/^\s*proxy_bind /m)
    expect(instanceEnvironment(withoutProxy)).toEqual({})
    expect(resolveDeployConfig({ ...example, proxyAddress: '::FFFF:10.0.0.10' }).proxyAddress).toBe('10.0.0.10')
    expect(() => resolveDeployConfig({ ...example, proxyAddress: '10.0.0.10; include /etc/passwd' })).toThrow(
      /proxyAddress: expected an IP address/,
    )
  })

  it('refuses values that would end a directive, naming the field', () => {
    const bad = { ...example, serverName: 'a.test; include /etc/passwd', siteRoot: '/srv/site dist' }
    expect(() => resolveDeployConfig(bad)).toThrow(ConfigError)
    expect(() => resolveDeployConfig(bad)).toThrow(/serverName: .*\n.*siteRoot: /)
  })
})

describe('the Compose file', () => {
  const compose = yaml.load(readFileSync(join(DEPLOY_DIR, 'compose.yaml'), 'utf8')) as {
    services: Record<
      string,
      {
        environment?: Record<string, string>
        volumes?: string[]
        command?: string[]
        networks?: Record<string, { ipv4_address?: string } | null>
      }
    >
  }
  const instanceVariables = new Set<string>(Object.values(ENV_NAMES))

  it('runs nginx, three instances, the emitter and Redis', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['emitter', 'i1', 'i2', 'i3', 'nginx', 'redis'])
  })

  it("gives the instances and the emitter only variables of the instances' schema", () => {
    for (const name of ['i1', 'i2', 'i3', 'emitter']) {
      const environment = compose.services[name]?.environment ?? {}
      expect(Object.keys(environment).filter((variable) => !instanceVariables.has(variable))).toEqual([])
      expect(environment.REDIS_URL).toMatch(/^redis:\/\/rtwb:\$\{RTWB_REDIS_PASSWORD:\?[^}]*\}@redis:6379$/)
    }
    expect(compose.services.i2?.environment?.INSTANCE_ID).toBe('i2')
  })

  it("matches deploy.compose.json's upstreams and mounts files that exist", () => {
    const config = resolveDeployConfig(JSON.parse(readFileSync(join(DEPLOY_DIR, 'deploy.compose.json'), 'utf8')))
    for (const backend of [...config.instances, ...(config.emitter ? [config.emitter] : [])]) {
      const [service, port] = backend.address.split(':')
      const environment = compose.services[service ?? '']?.environment
      expect(environment?.PORT, backend.address).toBe(port)
    }
    for (const volume of compose.services.nginx?.volumes ?? []) {
      const source = volume.split(':')[0] ?? ''
      if (source.startsWith('./nginx/')) expect(existsSync(join(DEPLOY_DIR, source))).toBe(true)
    }
    expect(compose.services.nginx?.volumes).toContain(`./nginx/proxy.conf:${config.proxyParams}:ro`)
    // The instances trust nginx's fixed address, the one its rendered file binds to.
    expect(config.proxyAddress).toBeDefined()
    expect(compose.services.nginx?.networks?.backend?.ipv4_address).toBe(config.proxyAddress)
    for (const name of ['i1', 'i2', 'i3', 'emitter'])
      expect(compose.services[name]?.environment?.SANDBOX_TRUSTED_PROXIES, name).toBe(instanceEnvironment(config).SANDBOX_TRUSTED_PROXIES)
  })
})

describe('the Redis ACL user', () => {
  const password = 'x'.repeat(12) + 'correct-horse-battery-staple'

  it('allows only the measured commands, under the prefix, with the password hashed', () => {
    const line = redisAclUser({ user: 'rtwb', keyPrefix: 'rtwb-course', password })
    expect(line).not.toContain(password)
    expect(line).toMatch(/^user rtwb on #[0-9a-f]{64} resetkeys ~rtwb-course\* allchannels -@all \+hello /)
    expect(line.split(' +').length - 1).toBe(INSTANCE_REDIS_COMMANDS.length)
    expect(() => redisAclUser({ user: 'rtwb', keyPrefix: 'a b', password })).toThrow()
    expect(() => redisAclUser({ user: 'rtwb', keyPrefix: 'rtwb', password: 'short' })).toThrow(/32/)
  })
})
