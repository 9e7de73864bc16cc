/**
 * The multi-host test's processes: redis-server, sandbox instances and nginx, each started on a
 * host of the topology and stopped by `stop()` (SIGTERM, then SIGKILL), which the test calls in
 * `afterAll` whatever happened. nginx runs with its own prefix, pid, logs and temp paths in a
 * temporary folder (never the system's), on the repository's rendered configuration.
 *
 * @module
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderNginxConfig, resolveDeployConfig, NGINX_PROXY_PARAMS, type DeployOptions } from '../../scripts/deploy/index.ts'
import { stopChild } from '../../scripts/bench-fanout/processes.ts'
import type { Host } from './topology.ts'

export { stopChild }

export interface Started {
  name: string
  child: ChildProcess
  /** Everything the process wrote, for a failure message. */
  output: () => string
  stop(): Promise<void>
}

const ROOT = new URL('../..', import.meta.url).pathname

/**
 * Starts `command` on `host` and resolves once its output contains `ready` (`null`: once spawned),
 * or rejects after `timeoutMs` (stopping it).
 *
 * @example
 * const redis = await startOn(host, 'redis', ['redis-server', '--port', '6379'], { ready: 'Ready to accept' })
 */
export function startOn(
  host: Host,
  name: string,
  command: string[],
  options: { ready: string | null; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Started> {
  const [program, ...args] = [...host.exec, ...command]
  const child = spawn(program ?? 'false', args, { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const started: Started = { name, child, output: () => output, stop: () => stopChild(child) }
  return new Promise((resolve, reject) => {
    let settled = false
    const settle = (error: Error | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (!error) return resolve(started)
      void started.stop().then(() => reject(error))
    }
    const timeoutMs = options.timeoutMs ?? 20_000
    const timer = setTimeout(() => settle(new Error(`${name} did not start in ${timeoutMs} ms; its output:\n${output}`)), timeoutMs)
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000)
      if (options.ready !== null && output.includes(options.ready)) settle(null)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    if (options.ready === null) child.once('spawn', () => settle(null))
    child.once('error', (error) => settle(error))
    child.once('exit', (code, signal) =>
      settle(new Error(`${name} exited (${code ?? signal}) before it was ready; its output:\n${output}`)),
    )
  })
}

/**
 * A private redis-server on `host` (no persistence) whose only user is the instances' ACL user
 * (scripts/deploy `redisAclUser`, the line docs/deploy.md ships): every command the test makes the
 * instances send must pass that ACL.
 */
export function startRedis(host: Host, port: number, aclFile: string): Promise<Started> {
  const args = ['--port', String(port), '--bind', host.address, '--save', '', '--appendonly', 'no', '--aclfile', aclFile]
  return startOn(host, `redis@${host.name}`, ['redis-server', ...args], { ready: 'Ready to accept connections' })
}

/** One sandbox instance process on `host` (`sandbox-server/src/main.ts`, configured by environment). */
export function startInstance(host: Host, env: Record<string, string>): Promise<Started> {
  const command = [process.execPath, '--import', 'tsx', 'sandbox-server/src/main.ts']
  const fullEnv = { ...process.env, SANDBOX_LOG_FORMAT: 'json', SANDBOX_LOG_LEVEL: 'info', HOST: host.address, ...env }
  return startOn(host, `${env.INSTANCE_ID ?? 'instance'}@${host.name}`, command, {
    ready: '"msg":"listening"',
    env: fullEnv,
    timeoutMs: 120_000,
  })
}

/** A self-signed certificate for `addresses` (subjectAltName IPs), made with openssl. */
export function makeCertificate(dir: string, addresses: string[]): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  const san = addresses.map((address) => `IP:${address}`).join(',')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=rtwb-test',
      '-addext',
      `subjectAltName=${san}`,
    ],
    { stdio: 'ignore' },
  )
  return { cert, key }
}

/**
 * nginx on the repository's template (rendered for `options`), in `dir`: its own prefix, pid, error
 * and access logs and temp folders, `daemon off`. Resolves once it answers on its HTTPS port.
 */
export async function startNginx(dir: string, options: DeployOptions): Promise<Started & { accessLog: string }> {
  mkdirSync(dir, { recursive: true })
  chmodSync(dir, 0o755) // the workers (www-data when run as root) read the site root and write temp files
  const accessLog = join(dir, 'access.log')
  const config = resolveDeployConfig({ ...options, proxyParams: NGINX_PROXY_PARAMS, accessLog })
  writeFileSync(join(dir, 'realtime-workbook.conf'), renderNginxConfig(config))
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => {
    const path = join(dir, `tmp-${kind}`)
    mkdirSync(path, { recursive: true })
    chmodSync(path, 0o777)
    return `  ${kind}_temp_path ${path};`
  })
  const main = [
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  include /etc/nginx/mime.types;',
    ...temp,
    `  include ${join(dir, 'realtime-workbook.conf')};`,
    '}',
  ].join('\n')
  writeFileSync(join(dir, 'nginx.conf'), main)
  execFileSync('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-t', '-q', '-e', join(dir, 'error.log')], { stdio: 'pipe' })
  const host: Host = { name: 'balancer', address: config.listenAddress, exec: [] }
  const nginx = await startOn(
    host,
    `nginx(${config.sticky ? 'sticky' : 'round robin'})`,
    ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
    {
      ready: null,
    },
  )
  return { ...nginx, accessLog }
}
