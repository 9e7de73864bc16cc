/**
 * Sticky sessions, for real: plain HTTP from the browser to the instances' Engine.IO endpoint.
 * A long-polling session made on i1 is unknown to i2 (400 "Session ID unknown"); on i1 it works.
 * Then the same conversation as a WebSocket-only client: one connection, so one instance, and no
 * second request a load balancer could send elsewhere. Each raw answer gets a one-line reading
 * (Engine.IO v4 packet types, Socket.IO v5 packet types) so `40{"sid":…}` is not a mystery.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { btn } from './ui.ts'

/** The runs themselves load on the first click (see on-demand-sticky.ts). */
const runs = () => import('./on-demand-sticky.ts')

/** What the panel needs of a WebSocket (the browser's, or a test double). */
export interface WebSocketLike {
  send(data: string): void
  close(): void
  addEventListener(type: 'message' | 'close' | 'error', listener: (event: { data?: unknown }) => void): void
}
export type OpenWebSocket = (url: string) => WebSocketLike

/**
 * @example
 * main.append(createStickyPanel(() => dir.instances, fetch, (url) => new WebSocket(url)))
 */
export function createStickyPanel(instances: () => SandboxInstance[], doFetch: typeof fetch, openWebSocket: OpenWebSocket): HTMLElement {
  const steps = h('ol', { class: 'cf-steps', 'aria-live': 'polite' })
  let busy = false
  /** Runs one experiment at a time; buttons say busy with aria-disabled, so keyboard focus stays on them. */
  const runner = (run: (a: SandboxInstance, b: SandboxInstance) => Promise<void>) => async () => {
    const [a, b] = instances()
    if (busy || !a || !b) return
    busy = true
    steps.replaceChildren()
    for (const button of buttons) button.setAttribute('aria-disabled', 'true')
    await run(a, b).catch(() => undefined)
    for (const button of buttons) button.removeAttribute('aria-disabled')
    busy = false
  }
  const buttons = [
    btn(
      'Run the long-polling requests',
      runner(async (a, b) => (await runs()).runPolling(steps, a, b, doFetch)),
      'cf-sticky-run',
      ' cf-primary',
    ),
    btn(
      'Run WebSocket-only',
      runner(async (_, b) => (await runs()).runWebSocket(steps, b, openWebSocket)),
      'cf-sticky-ws',
    ),
  ]
  return h(
    'section',
    { class: 'cf-box' },
    h('h4', { text: 'Sticky sessions (plain HTTP long-polling, then WebSocket-only)' }),
    h('p', { class: 'cf-row' }, ...buttons),
    steps,
    h(
      'p',
      { class: 'cf-hint' },
      'A WebSocket-only client (',
      h('code', { text: "transports: ['websocket']" }),
      ') needs no stickiness: one connection is one server, so there is no second request to misroute. Reading the raw answers: ',
      h('code', { text: '0{"sid":…}' }),
      ' is the Engine.IO open packet (the session id); ',
      h('code', { text: '40{"sid":…}' }),
      ' is an Engine.IO message (4) carrying a Socket.IO CONNECT (0) for the main namespace "/", and its sid is the socket\u2019s id, not the session\u2019s.',
    ),
  )
}
