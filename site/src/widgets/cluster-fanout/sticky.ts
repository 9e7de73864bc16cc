/**
 * Sticky sessions, for real: plain HTTP from the browser to the instances' Engine.IO endpoint.
 * A long-polling session made on i1 is unknown to i2 (400 "Session ID unknown"); on i1 it works.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { btn } from './ui.ts'

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

const path = (sid?: string) => `/socket.io/?EIO=4&transport=polling${sid ? `&sid=${encodeURIComponent(sid)}` : ''}`

export function createStickyPanel(instances: () => SandboxInstance[], doFetch: typeof fetch): HTMLElement {
  const steps = h('ol', { class: 'cf-steps', 'aria-live': 'polite' })

  async function step(title: string, base: string, method: 'GET' | 'POST', sid?: string, body?: string): Promise<string | null> {
    const line = `${method} ${base}${path(sid)}`
    const status = h('code', { text: '…' })
    const answer = h('code', { class: 'cf-body' })
    const li = h('li', { 'data-testid': 'cf-sticky-step', 'data-status': '' }, h('strong', { text: title }), h('br'), h('code', { text: line }),
      body ? h('span', { class: 'cf-hint', text: ` body ${body}` }) : null, h('br'), '→ ', status, ' ', answer)
    steps.append(li)
    try {
      const res = await doFetch(base + path(sid), { method, body, cache: 'no-store', signal: AbortSignal.timeout(5000) })
      const text = await res.text()
      li.dataset.status = String(res.status)
      status.textContent = `${res.status} ${res.statusText || (res.ok ? 'OK' : 'Bad Request')}`
      answer.textContent = text
      return text
    } catch (error) {
      li.dataset.status = 'error'
      status.textContent = `network error: ${(error as Error).message}`
      return null
    }
  }

  const run = btn('Run the long-polling requests', async () => {
    const [a, b] = instances()
    steps.replaceChildren()
    if (!a || !b) return
    run.disabled = true
    const handshake = await step(`1. Handshake on ${a.id}`, a.base, 'GET')
    const sid = handshake === null ? null : parseSid(handshake)
    if (sid) {
      await step(`2. Next poll, sent to ${b.id} (not sticky)`, b.base, 'GET', sid)
      await step(`3. Sticky: CONNECT packet (40) to ${a.id}`, a.base, 'POST', sid, '40')
      await step(`4. Sticky: next poll to ${a.id}`, a.base, 'GET', sid)
      // Close the session (Engine.IO "close" packet) instead of letting it time out.
      await doFetch(a.base + path(sid), { method: 'POST', body: '1' }).catch(() => undefined)
    }
    run.disabled = false
  }, 'cf-sticky-run', ' cf-primary')

  return h('section', { class: 'cf-box' },
    h('h4', { text: 'Sticky sessions (plain HTTP long-polling)' }),
    run, steps,
    h('p', { class: 'cf-hint' }, 'A WebSocket-only client (', h('code', { text: "transports: ['websocket']" }),
      ') avoids this: one connection is one server, so there is no second request to misroute.'))
}
