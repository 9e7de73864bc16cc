// @ts-check
/**
 * A Vite plugin for the site build: one lazy chunk per widget. A lesson page shows one widget, yet
 * Rollup puts the modules that widgets share (the session, the connector, the protocol checks,
 * the client card) in shared chunks, and gzip then compresses each file on its own: the learner
 * downloads more bytes, in more requests. This plugin gives each widget its own copy of the
 * shared modules (it resolves them with a `?widget=<name>` suffix when they are imported from a
 * widget's module graph), so the widget's code and the sandbox layer arrive as one file.
 */
import { fileURLToPath } from 'node:url'

const srcDir = fileURLToPath(new URL('../', import.meta.url))
const repoDir = fileURLToPath(new URL('../../../', import.meta.url))
const SHARED = [`${srcDir}sandbox/`, `${srcDir}widgets/shared/`, `${repoDir}sandbox-server/src/protocol/`]
// socket.io-client and the packages it is made of: one copy per widget chunk too.
const CLIENT_PACKAGES = /\/node_modules\/(socket\.io-client|engine\.io-client|socket\.io-parser|engine\.io-parser|@socket\.io\/component-emitter)\//
const WIDGET = new RegExp(`^${srcDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}widgets/([a-z-]+)/`)

/** The widget a module id belongs to: from its own folder, or from the suffix it was given. */
function widgetOf(/** @type {string} */ id) {
  const suffix = /[?&]widget=([a-z-]+)/.exec(id)?.[1]
  if (suffix) return suffix
  const folder = WIDGET.exec(id)?.[1]
  return folder && folder !== 'shared' ? folder : null
}

/**
 * @example
 * defineConfig({ vite: { plugins: [widgetChunks()] } })
 * @returns {import('vite').Plugin}
 */
export function widgetChunks() {
  return {
    name: 'rtwb-widget-chunks',
    enforce: 'pre',
    apply: 'build',
    async resolveId(source, importer, options) {
      const widget = importer ? widgetOf(importer) : null
      if (!widget) return null
      const resolved = await this.resolve(source, importer?.split('?')[0], { ...options, skipSelf: true })
      if (!resolved || resolved.external || !(SHARED.some((dir) => resolved.id.startsWith(dir)) || CLIENT_PACKAGES.test(resolved.id))) return null
      if (resolved.id.includes('.test.')) return null
      return `${resolved.id.split('?')[0]}?widget=${widget}`
    },
  }
}
