/**
 * "Socket.IO's own choice": a socket.io-client with default transports connects to an instance;
 * the box shows its transport now, the HTTP requests it made while polling, and the upgrade.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { spaceNamespace } from '@realtime-workbook/sandbox-server/protocol'
import type { SocketIoProbe, TransportClients } from '../../sandbox/transports.ts'

export interface SioBox {
  el: HTMLElement
  /** Connects a new probe client to `instance` in `space` (closing the last one). */
  connect(instance: SandboxInstance | undefined, space: string): Promise<void>
  close(): void
}

/**
 * @example
 * const sio = createSioBox(clients, () => pick().sio, () => space.current())
 * await sio.connect(instance, 'k7q2mx')
 */
export function createSioBox(clients: TransportClients, target: () => SandboxInstance | undefined, space: () => string): SioBox {
  let probe: SocketIoProbe | null = null
  let attempt = 0
  const transport = h('strong', { 'data-testid': 'tr-sio-transport', text: '–' })
  const requests = h('span', { 'data-testid': 'tr-sio-requests', text: '–' })
  const where = h('p', { class: 'tr-hint' })
  const log = h('ol', { class: 'tr-log', 'data-testid': 'tr-sio-log' })
  const close = () => {
    attempt++
    probe?.close()
    probe = null
  }
  async function connect(inst: SandboxInstance | undefined, code: string): Promise<void> {
    close()
    const current = attempt
    if (!inst) return
    const t0 = Date.now()
    const line = (text: string) => log.append(h('li', {}, h('span', { class: 'tr-time', text: `+${Date.now() - t0} ms ` }), text))
    log.replaceChildren()
    where.textContent = `A socket.io-client with default transports connects to ${inst.id} (${spaceNamespace(code, '/chat')}).`
    try {
      const p = await clients.socketio(inst.base + spaceNamespace(code, '/chat'), { label: 'T' })
      if (current !== attempt) return p.close()
      probe = p
      let shown = ''
      const show = () => {
        const t = p.transport()
        if (t !== shown) line(shown ? `upgraded to ${t} after ${p.pollingRequests()} HTTP requests on polling` : `new client on ${t} (handshake GET)`)
        shown = t
        transport.textContent = t
        requests.textContent = String(p.pollingRequests())
      }
      p.on('change', show)
      show()
    } catch {
      line('could not load or connect socket.io-client')
    }
  }
  const el = h('section', { class: 'tr-box', 'data-testid': 'tr-sio' }, h('h4', { text: "Socket.IO's own choice" }), where,
    h('p', {}, 'Transport now: ', transport, ' · HTTP requests while on polling: ', requests), log,
    h('button', { type: 'button', class: 'tr-btn', 'data-testid': 'tr-sio-connect', text: 'Connect a new client', onclick: () => void connect(target(), space()) }))
  return { el, connect, close }
}
