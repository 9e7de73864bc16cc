/** Entry the page loads when the widget scrolls into view: the security lab over the real cluster. */
import { createSecureConnector } from '../../sandbox/secure-client.ts'
import { loadSessionConnector } from '../../sandbox/socketio-connector.ts'
import { mountSecurityLab, type SecurityLab } from './index.ts'

export function mountLive(root: HTMLElement): SecurityLab {
  return mountSecurityLab(root, { connector: () => loadSessionConnector(), secure: createSecureConnector() })
}
