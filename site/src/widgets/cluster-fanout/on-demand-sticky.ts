/**
 * The sticky-session runs of the fan-out's panel (sticky.ts), loaded on the learner's first click:
 * plain HTTP long-polling requests across two instances, then a WebSocket-only conversation, each
 * raw answer with a one-line reading (Engine.IO v4 and Socket.IO v5 packet types).
 * An `on-demand-*` module: the page budget counts it apart, like the search dialog.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import type { OpenWebSocket, WebSocketLike } from './sticky.ts'

/** The `sid` of an Engine.IO v4 handshake body (`0{"sid":"…",…}`), or null. */
export function parseSid(body: string): string | null {
  if (!body.startsWith('0{')) return null
  try {
    const open = JSON.parse(body.slice(1)) as { sid?: unknown }
    return typeof open.sid === 'string' ? open.sid : null
  } catch {
    return null
  }
}

/**
 * A plain-language reading of a raw Engine.IO answer: the first character is the Engine.IO packet
 * type (0 open, 1 close, 2 ping, 4 message); inside a message, the next one is the Socket.IO
 * packet type (0 CONNECT), then the namespace (none means "/") and the payload.
 *
 * @example
 * readPacket('40{"sid":"x"}') // => 'Engine.IO 4 (message) carrying Socket.IO 0 (CONNECT) on "/": …'
 */
export function readPacket(body: string): string {
  if (body.includes('Session ID unknown')) return 'This instance has no session with that sid: it was created on another instance.'
  if (body.startsWith('0{'))
    return 'Engine.IO 0 (open): the session is created; "sid" is the Engine.IO session id, kept in this instance\u2019s memory only.'
  if (body.startsWith('40'))
    return 'Engine.IO 4 (message) carrying Socket.IO 0 (CONNECT) on "/": the server accepted the namespace; this "sid" is the new socket\u2019s id (socket.id), not the session id.'
  if (body === 'ok') return 'The POST was accepted; the answer to it comes on the next GET.'
  if (body === '2') return 'Engine.IO 2 (ping): the heartbeat.'
  return ''
}

const path = (transport: 'polling' | 'websocket', sid?: string) =>
  `/socket.io/?EIO=4&transport=${transport}${sid ? `&sid=${encodeURIComponent(sid)}` : ''}`

/** One step of the list: its request line, then the status and the raw answer with its reading. */
function stepItem(title: string, request: string, sent?: string) {
  const status = h('code', { text: '…' })
  const answer = h('code', { class: 'cf-body' })
  const reading = h('span', { class: 'cf-hint' })
  const li = h(
    'li',
    { 'data-testid': 'cf-sticky-step', 'data-status': '' },
    h('strong', { text: title }),
    h('br'),
    h('code', { text: request }),
    sent ? h('span', { class: 'cf-hint', text: ` sends ${sent}` }) : null,
    h('br'),
    '→ ',
    status,
    ' ',
    answer,
    h('br'),
    reading,
  )
  return {
    li,
    done(code: string, statusText: string, body: string) {
      li.dataset.status = code
      status.textContent = statusText
      answer.textContent = body
      reading.textContent = readPacket(body)
    },
  }
}

/** The next text frame of a WebSocket, or null once it closed, failed or stayed silent `ms`. */
function frameReader(ws: WebSocketLike, ms: number): () => Promise<string | null> {
  const queue: string[] = []
  let ended = false
  let wake: () => void = () => undefined
  ws.addEventListener('message', (e) => {
    queue.push(typeof e.data === 'string' ? e.data : '')
    wake()
  })
  const end = () => {
    ended = true
    wake()
  }
  ws.addEventListener('close', end)
  ws.addEventListener('error', end)
  return async () => {
    if (!queue.length && !ended) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, ms)))
    return queue.shift() ?? null
  }
}

/** Polling: handshake on `a`, the next poll on `b` (400), then the sticky route back to `a`. */
export async function runPolling(steps: HTMLElement, a: SandboxInstance, b: SandboxInstance, doFetch: typeof fetch): Promise<void> {
  async function step(title: string, base: string, method: 'GET' | 'POST', sid?: string, body?: string): Promise<string | null> {
    const item = stepItem(title, `${method} ${base}${path('polling', sid)}`, body)
    steps.append(item.li)
    try {
      const res = await doFetch(base + path('polling', sid), { method, body, cache: 'no-store', signal: AbortSignal.timeout(5000) })
      const text = await res.text()
      item.done(String(res.status), `${res.status} ${res.statusText || (res.ok ? 'OK' : 'Bad Request')}`, text)
      return text
    } catch (error) {
      item.done('error', `network error: ${error instanceof Error ? error.message : String(error)}`, '')
      return null
    }
  }
  const handshake = await step(`1. Handshake on ${a.id}`, a.base, 'GET')
  const sid = handshake === null ? null : parseSid(handshake)
  if (!sid) return
  await step(`2. Next poll, sent to ${b.id} (not sticky)`, b.base, 'GET', sid)
  await step(`3. Sticky: CONNECT packet (40) to ${a.id}`, a.base, 'POST', sid, '40')
  await step(`4. Sticky: next poll to ${a.id}`, a.base, 'GET', sid)
  // Close the session (Engine.IO "close" packet) instead of letting it time out.
  await doFetch(a.base + path('polling', sid), { method: 'POST', body: '1' }).catch(() => undefined)
}

/** WebSocket-only on `b`: the handshake and the CONNECT travel on one connection, no sid in any URL. */
export async function runWebSocket(steps: HTMLElement, b: SandboxInstance, open: OpenWebSocket): Promise<void> {
  const url = b.base.replace(/^http/, 'ws') + path('websocket')
  const first = stepItem(`1. WebSocket-only: open a WebSocket to ${b.id}`, `GET ${url} (Upgrade: websocket)`)
  steps.append(first.li)
  let ws: WebSocketLike
  try {
    ws = open(url)
  } catch (error) {
    return first.done('error', `could not open: ${error instanceof Error ? error.message : String(error)}`, '')
  }
  const next = frameReader(ws, 5000)
  const hello = await next()
  if (hello === null || !parseSid(hello)) {
    first.done('error', 'no handshake frame', hello ?? '')
    return ws.close()
  }
  first.done('101', '101 Switching Protocols, first frame:', hello)
  const connect = stepItem(`2. CONNECT (40) on the same connection, still ${b.id}`, 'WebSocket frame', '40')
  steps.append(connect.li)
  ws.send('40')
  const answer = await next()
  connect.done(answer?.startsWith('40') ? '101' : 'error', answer === null ? 'no answer' : 'frame:', answer ?? '')
  ws.close()
}
