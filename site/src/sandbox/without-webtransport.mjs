// @ts-check
/**
 * A Vite plugin for the site build: engine.io-client bundles its WebTransport transport, yet the
 * sandbox instances only offer HTTP long-polling and WebSocket, so a browser never opens one.
 * Resolving engine.io-client's `./webtransport.js` to a stub keeps about 0.8 KB gzip off every
 * lesson page (the JS budget in scripts/check-budget), which pays for checking every answer the connector receives.
 * A lesson that wants WebTransport one day removes this plugin from astro.config.mjs.
 */
import { fileURLToPath } from 'node:url'

const stub = fileURLToPath(new URL('./webtransport-stub.mjs', import.meta.url))

/**
 * @example
 * defineConfig({ vite: { plugins: [withoutWebTransport()] } })
 * @returns {{ name: string, enforce: 'pre', resolveId(source: string, importer?: string): string | null }}
 */
export function withoutWebTransport() {
  return {
    name: 'rtwb-without-webtransport',
    enforce: 'pre',
    resolveId(source, importer) {
      return source === './webtransport.js' && importer?.includes('/engine.io-client/') ? stub : null
    },
  }
}
