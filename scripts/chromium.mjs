/**
 * The one place that knows how this project finds and launches Chromium: Debian's `chromium`
 * package, driven by playwright-core (build-time Mermaid, browser tests, screenshots). Never a
 * downloaded browser. Plain ESM so that astro.config.mjs can import it too.
 */
import { execSync } from 'node:child_process'

/**
 * Flags that work headless as root on these machines. The background-networking ones stop
 * Chromium from hammering a closed network; `launch()` already uses a fresh profile.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Path of a Chromium: `$RTWB_CHROMIUM`, else `chromium` or `chromium-browser` on PATH; `null` if none.
 *
 * @returns {string | null}
 */
export function findChromium() {
  if (process.env.RTWB_CHROMIUM) return process.env.RTWB_CHROMIUM
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execSync(`command -v ${name}`, { stdio: ['ignore', 'pipe', 'ignore'], shell: '/bin/sh' })
        .toString()
        .trim()
      if (found) return found
    } catch {
      // not this one
    }
  }
  return null
}
