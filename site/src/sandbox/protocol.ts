/**
 * Browser-side view of the sandbox wire protocol.
 *
 * Types come from the server's protocol module with `import type` (erased at build time, so no
 * zod reaches the browser). The few runtime constants widgets need are re-declared here;
 * `protocol.test.ts` checks they still equal the server's.
 */
import type { ClusterNamespace, LearnerNamespace, PlaygroundNamespace, SendCall } from '../../../sandbox-server/src/protocol/index.ts'

export type {
  ClusterCall,
  ClusterNamespace,
  DirectPayload,
  ErrorAck,
  ErrorCode,
  FanoutState,
  FetchSocketsAck,
  HealthBody,
  HelloEvent,
  LearnerNamespace,
  MessageEvent,
  PlaygroundNamespace,
  RedisTraffic,
  RemoteSocketInfo,
  RoomAck,
  RoomPayload,
  SandboxDirectory,
  SandboxErrorBody,
  SendAck,
  SendCall,
  SendPayload,
  ServerSideEmitAck,
  SimulateOutageAck,
  TraceEvent,
  TraceKind,
  TracedSocket,
} from '../../../sandbox-server/src/protocol/index.ts'

export const SPACE_CODE_PATTERN = /^[a-z0-9]{6}$/
export const PLAYGROUND_NAMESPACES: readonly PlaygroundNamespace[] = ['/chat', '/admin']
export const CLUSTER_NAMESPACES: readonly ClusterNamespace[] = ['/with-redis', '/without-redis']
export const OBSERVE_NAMESPACE = '/observe'
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,15}$/
export const LABEL_PATTERN = /^[A-Za-z0-9 _-]{1,16}$/

export const SEND_CALLS: readonly SendCall[] = [
  'socket.emit',
  'socket.broadcast.emit',
  'socket.to(room).emit',
  'io.to(room).emit',
  'io.to(rooms).emit',
  'io.emit',
]

/** How many rooms a call takes: exactly one, 1-5 (union) or none. */
export function callRooms(call: SendCall): 'one' | 'some' | 'none' {
  if (call === 'socket.to(room).emit' || call === 'io.to(room).emit') return 'one'
  return call === 'io.to(rooms).emit' ? 'some' : 'none'
}

/** `spaceNamespace('k7q2mx', '/chat') === '/s/k7q2mx/chat'` */
export function spaceNamespace(space: string, namespace: LearnerNamespace): string {
  return `/s/${space}${namespace}`
}
