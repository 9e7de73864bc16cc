/**
 * The built site: build it when missing or older than its sources, and serve it with
 * `/sandbox.json`, which tells the widgets where the instances listen.
 *
 * @module
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { compress } from 'hono/compress'
import type { SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'
import { mountAdminUi } from './admin-ui.ts'

/** Newest modification time under `path` (files only), skipping dependencies and build output. */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const stats = statSync(path)
  if (!stats.isDirectory()) return stats.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === '.astro') continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

/** Whether `siteDir` is missing or older than the lessons and the site's sources. */
export function siteIsStale(root: string, siteDir: string): boolean {
  const built = join(siteDir, 'index.html')
  if (!existsSync(built)) return true
  const builtAt = statSync(built).mtimeMs
  const sources = ['lessons', 'site/src', 'site/astro.config.mjs', 'site/package.json', 'sandbox-server/src/protocol']
  return sources.some((source) => newestMtime(join(root, source)) > builtAt)
}

const VITE_MODE_VARIABLES = /^(?:MODE|DEV|PROD|SSR|BASE_URL|TEST|VITEST.*)$/

/** The environment without the mode variables a test runner sets for its own Vite. */
function withoutViteMode(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !VITE_MODE_VARIABLES.test(name)))
}

/** Runs the site's build (`npm run build -w site`); throws when it fails. */
export function buildSite(root: string, log: (line: string) => void): void {
  log('site: building (the first time takes about 30 s)…')
  const started = Date.now()
  const result = spawnSync('npm', ['run', 'build', '--workspace', 'site', '--silent'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    // Always a production build: a NODE_ENV inherited from the caller (vitest sets `test`) would
    // make Vite bundle development variants (e.g. socket.io-client with its debug module).
    // vitest also exports Vite's own mode variables (MODE, DEV, PROD, SSR, VITEST...): left in, they
    // made Starlight ship its development search box. The build gets none of them.
    env: { ...withoutViteMode(process.env), NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' },
  })
  if (result.status !== 0) throw new Error('the site build failed (see above); fix it, or run with SKIP_BUILD=1 to serve the last build')
  log(`site: built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

/**
 * Serves `siteDir`, `/sandbox.json` and the Socket.IO Admin UI (`/admin-ui/`, see ./admin-ui.ts).
 *
 * @example
 * const server = await serveSite({ siteDir, port: 4321, host: '127.0.0.1', directory: () => dir })
 */
export async function serveSite(options: {
  siteDir: string
  port: number
  host: string
  directory: () => SandboxDirectory
  /** Routes served before the static files (the instructor's fault controls, `/instructor/api/`). */
  routes?: Hono
}): Promise<{ server: Server; port: number }> {
  const app = new Hono()
  app.use('*', compress())
  app.get('/sandbox.json', (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json(options.directory())
  })
  if (options.routes) app.route('/', options.routes)
  mountAdminUi(app)
  app.use('*', serveStatic({ root: options.siteDir }))
  app.notFound(async (c) => {
    const notFoundPage = join(options.siteDir, '404.html')
    if (existsSync(notFoundPage)) {
      const { readFile } = await import('node:fs/promises')
      return c.html(await readFile(notFoundPage, 'utf8'), 404)
    }
    return c.text('Not found', 404)
  })
  const server = createAdaptorServer({ fetch: app.fetch, createServer }) as Server
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  return { server, port: (server.address() as AddressInfo).port }
}
