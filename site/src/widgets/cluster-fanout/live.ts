/** Entry the page loads when the widget scrolls into view: the fan-out over the real cluster. */
import { loadSocketIoConnector } from '../../sandbox/socketio-connector.ts'
import { mountClusterFanout, type ClusterFanout } from './index.ts'

export function mountLive(root: HTMLElement): ClusterFanout {
  return mountClusterFanout(root, { connector: () => loadSocketIoConnector() })
}
