/** The WebSocket handshake box: the last upgrade request and response as the server captured them. */
import { h } from '../../sandbox/dom.ts'
import type { HandshakeCapture } from '../../sandbox/transports.ts'

const HIGHLIGHT = new Set(['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-accept', 'origin'])

const headers = (list: [string, string][]) => h('dl', { class: 'tr-headers' }, ...list.flatMap(([k, v]) => {
  const cls = HIGHLIGHT.has(k.toLowerCase()) ? 'tr-hl' : null
  return [h('dt', { class: cls, text: k }), h('dd', { class: cls }, h('code', { text: v }))]
}))

/**
 * @example
 * const box = createHandshakeBox()
 * box.show(capture)
 */
export function createHandshakeBox(): { el: HTMLElement; show(hs: HandshakeCapture): void } {
  const body = h('div', {}, h('p', { class: 'tr-hint', text: 'Start the race: the upgrade request of the WebSocket shows here.' }))
  return {
    el: h('section', { class: 'tr-box', 'data-testid': 'tr-handshake' }, h('h4', { text: 'WebSocket handshake' }), body),
    show(hs) {
      body.replaceChildren(
        h('p', { class: 'tr-hint', text: `The last upgrade, as the server captured it at ${new Date(hs.at).toLocaleTimeString()}.` }),
        h('p', {}, h('strong', { text: 'Request ' }), h('code', { 'data-testid': 'tr-hs-request', text: hs.request.line })), headers(hs.request.headers),
        h('p', {}, h('strong', { text: 'Response ' }), h('code', { 'data-testid': 'tr-hs-response', text: hs.response.line })), headers(hs.response.headers))
    },
  }
}
