/**
 * Lesson 4's attacker page: served on a second origin that the instances do NOT allow, its
 * script's cross-site handshake (polling and WebSocket) and POSTs are all refused, and each
 * outcome reaches the embedding frame through `postMessage`. Real Chromium (Debian's, through
 * playwright-core), a real instance on the shared Redis.
 */
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs'
import { serveAttacker } from '../../scripts/start/attacker.ts'
import { randomSpace, SHARED_REDIS_URL, uniquePrefix } from '../../sandbox-server/test/harness.ts'
import { startSandboxServer, type SandboxServer } from '../../sandbox-server/src/index.ts'
import { ATTACKS, isAttackReport, type AttackReport, type SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'
import type { Server } from 'node:http'

let instance: SandboxServer
let attacker: { server: Server; port: number }
let browser: Browser

beforeAll(async () => {
  instance = await startSandboxServer({
    port: 0,
    redisUrl: SHARED_REDIS_URL,
    keyPrefix: uniquePrefix(),
    allowedOrigins: ['http://localhost:4321'],
    log: () => {},
  })
  const directory = (): SandboxDirectory => ({ instances: [{ id: 'i1', port: instance.port }], fanout: 'redis' })
  attacker = await serveAttacker({ port: 0, host: '127.0.0.1', directory })
  const executablePath = findChromium()
  if (!executablePath) throw new Error('Chromium is not installed (apt-get install chromium)')
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS })
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => attacker?.server.close(resolve))
  await instance?.close()
})

describe('the attacker page on another origin', () => {
  it('is refused everything, and reports each attempt to its parent frame', async () => {
    const page = await browser.newPage()
    const url = `http://127.0.0.1:${attacker.port}/?port=${instance.port}&space=${randomSpace()}`
    // The parent listens before the frame loads, as the lab will.
    await page.setContent(
      `<script>window.reports = []; addEventListener('message', (e) => reports.push(e.data))</script><iframe src="${url}"></iframe>`,
    )
    await page.waitForFunction((count) => (window as unknown as { reports: unknown[] }).reports.length >= count, ATTACKS.length, {
      timeout: 15_000,
    })
    const reports: unknown[] = await page.evaluate(() => (window as unknown as { reports: unknown[] }).reports)
    await page.close()
    const checked = reports.filter((report): report is AttackReport => isAttackReport(report))
    expect(checked).toHaveLength(ATTACKS.length)
    const outcomes = Object.fromEntries(checked.map((report) => [report.attack, report.outcome]))
    expect(outcomes).toEqual({
      'polling-handshake': 'refused',
      'websocket-handshake': 'refused',
      'simple-post': 'opaque',
      'json-post': 'refused',
      'token-simple-post': 'opaque',
      'token-json-post': 'refused',
    })
  })

  it('the server itself refuses the "opaque" POSTs that carry its Origin', async () => {
    const origin = `http://127.0.0.1:${attacker.port}`
    const space = randomSpace()
    for (const path of [`/t/${space}/stream`, `/s/${space}/token`]) {
      const response = await fetch(`${instance.url}${path}`, {
        method: 'POST',
        headers: { Origin: origin, 'Content-Type': 'text/plain' },
        body: '{}',
      })
      expect(response.status, path).toBe(403)
    }
  })
})
