import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { ADMIN_UI_DEFAULTS_SCRIPT, localAdminUiIndex, mountAdminUi } from './admin-ui.ts'

const uiDir = join(dirname(createRequire(import.meta.url).resolve('@socket.io/admin-ui/package.json')), 'ui', 'dist')
const packageIndex = readFileSync(join(uiDir, 'index.html'), 'utf8')

describe('the Admin UI page', () => {
  it("links the package's remote fonts and icons locally, and the defaults script first", () => {
    expect(packageIndex).toMatch(/https:\/\/fonts\.googleapis\.com/)
    const page = localAdminUiIndex(packageIndex)
    expect(page).not.toMatch(/https?:\/\//)
    expect(page).toContain('<head><script src="rtwb-defaults.js"></script>')
    expect(page).toContain('href="vendor/mdi/css/materialdesignicons.min.css"')
    expect(page).toContain('href="vendor/roboto/latin-400.css"')
  })

  it('refuses a page that would still load something remote', () => {
    expect(() => localAdminUiIndex('<head><script src="https://cdn.example/x.js"></script></head>')).toThrow(/remote/)
  })

  it('presets the instructor namespace and WebSocket only, without overriding a choice', () => {
    const storage = new Map<string, string>([['ws_only', 'false']])
    const localStorage = {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => storage.set(key, value),
    }
    new Function('localStorage', ADMIN_UI_DEFAULTS_SCRIPT)(localStorage)
    expect(Object.fromEntries(storage)).toEqual({ namespace: '/admin-ui', ws_only: 'false' })
  })
})

describe('the routes', () => {
  const app = new Hono()
  mountAdminUi(app)
  const get = (path: string): Promise<Response> => Promise.resolve(app.request(path))

  it('serves the page, its files, the icon font and Roboto', async () => {
    expect((await get('/admin-ui')).status).toBe(301)
    const page = await get('/admin-ui/')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="app"></div>')
    const script = /src="?(js\/app\.[0-9a-f]+\.js)/.exec(packageIndex)?.[1]
    expect((await get(`/admin-ui/${script}`)).status).toBe(200)
    expect((await get('/admin-ui/favicon.png')).status).toBe(200)
    expect((await get('/admin-ui/rtwb-defaults.js')).headers.get('Content-Type')).toMatch(/javascript/)
    expect((await get('/admin-ui/vendor/mdi/css/materialdesignicons.min.css')).status).toBe(200)
    expect((await get('/admin-ui/vendor/mdi/fonts/materialdesignicons-webfont.woff2')).status).toBe(200)
    const roboto = await get('/admin-ui/vendor/roboto/latin-400.css')
    expect(roboto.status).toBe(200)
    const font = /url\(\.\/(files\/[^)]+\.woff2)\)/.exec(await roboto.text())?.[1]
    expect((await get(`/admin-ui/vendor/roboto/${font}`)).status).toBe(200)
  })

  it('serves nothing else of the packages, and nothing outside them', async () => {
    for (const path of [
      '/admin-ui/vendor/roboto/package.json',
      '/admin-ui/vendor/mdi/package.json',
      '/admin-ui/vendor/mdi/css/../../package.json',
      '/admin-ui/css/..%2f..%2f..%2fpackage.json',
      '/admin-ui/js/%2e%2e/%2e%2e/package.json',
      '/admin-ui/index.html.map',
    ]) {
      expect((await get(path)).status, path).toBe(404)
    }
  })
})
