/** Entry the page loads when the widget scrolls into view: the race over the real cluster. */
import { loadSessionConnector } from '../../sandbox/socketio-connector.ts'
import { createBrowserTransportClients } from '../../sandbox/transports.ts'
import { mountTransportRace, type TransportRace } from './index.ts'

export function mountLive(root: HTMLElement): TransportRace {
  return mountTransportRace(root, { connector: () => loadSessionConnector(), clients: createBrowserTransportClients() })
}
