/** Entry the page loads when the widget scrolls into view: the widget over the real cluster. */
import { loadSocketIoConnector } from '../../sandbox/socketio-connector.ts'
import { mountRoomPlayground, type RoomPlayground } from './index.ts'

export function mountLive(root: HTMLElement): RoomPlayground {
  return mountRoomPlayground(root, { connector: () => loadSocketIoConnector() })
}
