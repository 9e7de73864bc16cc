/**
 * The official Socket.IO Admin UI, served by the site server at {@link ADMIN_UI_PATH} from the
 * installed `@socket.io/admin-ui` package (`ui/dist`), so it needs no internet and its origin is
 * the site's own (which every instance allows). The package's page loads Roboto from Google Fonts
 * and its icons from a CDN: here its `index.html` links the same fonts from `@fontsource/roboto`
 * and `@mdi/font` instead, and a small script presets the instructor namespace and WebSocket
 * (the UI's polling sends credentials, which the instances' CORS does not allow).
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Hono } from 'hono'
import { ADMIN_UI_NAMESPACE } from '@realtime-workbook/sandbox-server/protocol'

/** Where the site server serves the Admin UI. */
export const ADMIN_UI_PATH = '/admin-ui/'

/** Roboto weights the package's page asked Google Fonts for. */
const ROBOTO_WEIGHTS = [100, 300, 400, 500, 700, 900] as const

const VENDOR = `${ADMIN_UI_PATH}vendor/`

/** The folder of an installed package. */
function packageDir(name: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`))
}

/**
 * The package's `index.html` with every remote stylesheet replaced by the local fonts, and the
 * defaults script first. Throws if a remote URL is left (a new package version to look at).
 *
 * @example
 * localAdminUiIndex('<head><link rel="stylesheet" href="https://cdn.example/x.css"></head>')
 * // => '<head><script src="rtwb-defaults.js"></script><link rel="stylesheet" href="vendor/mdi/css/...">...</head>'
 */
export function localAdminUiIndex(html: string): string {
  const local = [
    '<script src="rtwb-defaults.js"></script>',
    '<link rel="stylesheet" href="vendor/mdi/css/materialdesignicons.min.css">',
    ...ROBOTO_WEIGHTS.map((weight) => `<link rel="stylesheet" href="vendor/roboto/latin-${weight}.css">`),
  ].join('')
  const page = html.replace(/<link rel="?stylesheet"? href="?https?:\/\/[^">]+"?>/g, '').replace('<head>', `<head>${local}`)
  if (/(?:href|src)="?https?:/.test(page)) throw new Error('the Admin UI page still loads something remote: update localAdminUiIndex()')
  return page
}

/**
 * What the defaults script runs before the UI starts: it fills what the UI reads from
 * `localStorage` and the instructor has not set (the namespace; WebSocket only).
 */
export const ADMIN_UI_DEFAULTS_SCRIPT = `try {
  if (localStorage.getItem('namespace') === null) localStorage.setItem('namespace', ${JSON.stringify(ADMIN_UI_NAMESPACE)})
  if (localStorage.getItem('ws_only') === null) localStorage.setItem('ws_only', 'true')
} catch (error) {}
`

/** Serves files under `prefix` from `root` (the path after `prefix`; no `..`, serveStatic refuses it). */
function serveUnder(app: Hono, prefix: string, root: string): void {
  app.use(`${prefix}*`, serveStatic({ root, rewriteRequestPath: (path) => path.slice(prefix.length - 1) }))
}

/**
 * Adds the Admin UI's routes to the site server's app: the page, its script, its built files,
 * the icon font and Roboto.
 *
 * @example
 * const app = new Hono()
 * mountAdminUi(app) // GET /admin-ui/ => the Admin UI, offline
 */
export function mountAdminUi(app: Hono): void {
  const ui = join(packageDir('@socket.io/admin-ui'), 'ui', 'dist')
  const index = localAdminUiIndex(readFileSync(join(ui, 'index.html'), 'utf8'))
  app.get(ADMIN_UI_PATH.slice(0, -1), (c) => c.redirect(ADMIN_UI_PATH, 301))
  app.get(ADMIN_UI_PATH, (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.html(index)
  })
  app.get(`${ADMIN_UI_PATH}rtwb-defaults.js`, (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    return c.body(ADMIN_UI_DEFAULTS_SCRIPT)
  })
  const mdi = packageDir('@mdi/font')
  serveUnder(app, `${VENDOR}mdi/css/`, join(mdi, 'css'))
  serveUnder(app, `${VENDOR}mdi/fonts/`, join(mdi, 'fonts'))
  const roboto = packageDir('@fontsource/roboto')
  serveUnder(app, `${VENDOR}roboto/files/`, join(roboto, 'files'))
  app.get(
    `${VENDOR}roboto/:file{latin-[0-9]{3}\\.css}`,
    serveStatic({ root: roboto, rewriteRequestPath: (path) => path.slice(VENDOR.length + 'roboto'.length) }),
  )
  for (const folder of ['css', 'js', 'img']) serveUnder(app, `${ADMIN_UI_PATH}${folder}/`, join(ui, folder))
  app.get(`${ADMIN_UI_PATH}favicon.png`, serveStatic({ path: join(ui, 'favicon.png') }))
}
