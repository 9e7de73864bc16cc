/** Entry the page loads when the widget scrolls into view: the resilience lab over the real cluster. */
import { createResilienceConnector } from '../../sandbox/resilience-client.ts'
import { loadSocketIoConnector } from '../../sandbox/socketio-connector.ts'
import { mountResilienceLab, type ResilienceLab } from './index.ts'

export function mountLive(root: HTMLElement): ResilienceLab {
  return mountResilienceLab(root, { connector: () => loadSocketIoConnector(), lab: createResilienceConnector() })
}
