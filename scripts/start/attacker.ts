/**
 * Lesson 4's "attacker" page: a tiny static page on a second local origin (another port, NOT in
 * the instances' allowed origins). Its script tries what a foreign site can try against the
 * sandbox (a Socket.IO handshake over polling and over WebSocket, a "simple" POST and a JSON POST
 * to a lesson-1 route and to the token route) and reports each outcome to its parent frame with
 * `postMessage` (the security lab embeds it in an iframe), and on the page as text.
 *
 * The page's query picks the target: `?port=<instance port>&space=<space code>`; without them it
 * reads its own `/sandbox.json` (the same directory as the site's) and uses the first instance.
 *
 * @module
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import { ENGINE_SPACE_PARAM, type SandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'

/** The page's script (plain browser JS; text nodes only, never innerHTML). Posts `AttackReport`s (protocol). */
const SCRIPT = String.raw`
const params = new URLSearchParams(location.search)
const list = document.getElementById('results')
function report(attack, outcome, detail) {
  const item = document.createElement('li')
  item.textContent = attack + ': ' + outcome + ' - ' + detail
  list.append(item)
  if (parent !== window) parent.postMessage({ source: 'rtwb-attacker', attack, outcome, detail }, '*')
}
async function target() {
  const space = /^[a-z0-9]{6}$/.test(params.get('space') || '') ? params.get('space') : 'attack'
  let port = Number(params.get('port'))
  if (!Number.isInteger(port) || port <= 0) {
    const directory = await (await fetch('/sandbox.json')).json()
    port = directory.instances[0].port
  }
  return { base: location.protocol + '//' + location.hostname + ':' + port, space }
}
async function tryFetch(attack, url, init) {
  try {
    const response = await fetch(url, init)
    if (response.type === 'opaque') report(attack, 'opaque', 'sent; the browser hides the answer from this page (the server refuses it: 403 FORBIDDEN_ORIGIN or 415)')
    else if (response.ok) report(attack, 'succeeded', 'HTTP ' + response.status)
    else report(attack, 'refused', 'HTTP ' + response.status)
  } catch (error) {
    report(attack, 'refused', 'the browser blocked it (CORS): ' + String(error && error.message || error))
  }
}
function tryWebSocket(url) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url)
    let opened = false
    ws.onopen = () => { opened = true; report('websocket-handshake', 'succeeded', 'the upgrade was accepted'); ws.close(); resolve() }
    ws.onclose = (event) => { if (!opened) { report('websocket-handshake', 'refused', 'closed before opening (code ' + event.code + ')'); resolve() } }
  })
}
async function run() {
  const { base, space } = await target()
  const json = { 'Content-Type': 'application/json' }
  const text = { 'Content-Type': 'text/plain' }
  // The space in the query lets the instance show its refusal in that space's lab (a real attacker would not say).
  const engine = '/socket.io/?EIO=4&${ENGINE_SPACE_PARAM}=' + space + '&transport='
  await tryFetch('polling-handshake', base + engine + 'polling', {})
  await tryWebSocket(base.replace(/^http/, 'ws') + engine + 'websocket')
  await tryFetch('simple-post', base + '/t/' + space + '/stream', { method: 'POST', mode: 'no-cors', headers: text, body: '{"eventsPerSecond":50}' })
  await tryFetch('json-post', base + '/t/' + space + '/stream', { method: 'POST', headers: json, body: '{"eventsPerSecond":50}' })
  await tryFetch('token-simple-post', base + '/s/' + space + '/token', { method: 'POST', mode: 'no-cors', headers: text, body: '{"name":"Mallory","role":"moderator"}' })
  await tryFetch('token-json-post', base + '/s/' + space + '/token', { method: 'POST', headers: json, body: '{"name":"Mallory","role":"moderator"}' })
}
run().catch((error) => report('polling-handshake', 'refused', 'could not start: ' + String(error)))
`

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Another site (attacker)</title><meta name="viewport" content="width=device-width"></head>
<body>
<h1>Another site</h1>
<p>This page is served from another origin. It tries to reach the sandbox:</p>
<ul id="results"></ul>
<script type="module">${SCRIPT}</script>
</body>
</html>
`

/**
 * Serves the attacker page and its `/sandbox.json` on `port` (0: a free one).
 *
 * @example
 * const attacker = await serveAttacker({ port: 4322, host: '127.0.0.1', directory })
 * // http://localhost:4322/?port=4001&space=k7q2mx
 */
export async function serveAttacker(options: {
  port: number
  host: string
  directory: () => SandboxDirectory
}): Promise<{ server: Server; port: number }> {
  const app = new Hono()
  app.get('/', (c) => {
    c.header('Cache-Control', 'no-store')
    return c.html(PAGE)
  })
  app.get('/sandbox.json', (c) => c.json(options.directory()))
  const server = createAdaptorServer({ fetch: app.fetch, createServer }) as Server
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  return { server, port: (server.address() as AddressInfo).port }
}
