/**
 * The learners' `/class` namespace. Its adapter is the classic Redis one (see `adapterFor` in
 * server/index.ts), so a broadcast to a class room, `fetchSockets()` and the instances' own
 * `class:drop-space` request reach every instance.
 *
 * The handshake (`auth: { code, name, member }`) refuses, each with its own code: a malformed
 * auth (`INVALID_HANDSHAKE`), an unknown code (`CLASS_NOT_FOUND`), a bad name (`INVALID_NAME`),
 * a locked class for a new name (`CLASS_LOCKED`), a name another member holds (`NAME_TAKEN`), a
 * full class (`CLASS_FULL`). A member may only report the widgets its page has open
 * (`class:widgets`) and leave (`class:leave`: their name is freed, their pages disconnected); any
 * other event is refused with `UNKNOWN_EVENT` and logged.
 *
 * @module
 */
import type { Namespace, Server, Socket } from 'socket.io'
import { SandboxError, parseOrThrow } from '../errors/index.ts'
import type { SandboxLogger } from '../log/index.ts'
import { OBSERVE_NAMESPACE, parseResilienceNamespace, parseSpaceNamespace } from '../protocol/index.ts'
import {
  CLASS_NAMESPACE,
  MEMBER_NAME_RULE,
  parseClassCode,
  tidyMemberName,
  type ClassServerEvents,
  type ClassWidget,
} from '../protocol/classes.ts'
import { classAuthSchema, classWidgetsSchema, emptyPayloadSchema } from '../protocol/schemas.ts'
import { TokenBucket } from '../rate-limit/index.ts'
import { Quota } from '../spaces/index.ts'
import type { MemberSocketState } from './rules.ts'
import type { ClassStore } from './store.ts'

export interface ClassSocketData extends MemberSocketState {
  code: string
  name: string
  space: string
  widgets: ClassWidget[]
}

/** Requests between instances (never from a learner: they travel on the adapter only). */
export interface ClassServerSideEvents {
  'class:drop-space': (space: string, ack: (dropped: number) => void) => void
}

type ClassNsp = Namespace<Record<string, never>, ClassServerEvents, ClassServerSideEvents, ClassSocketData>
type ClassSocket = Socket<Record<string, never>, ClassServerEvents, ClassServerSideEvents, ClassSocketData>

export interface ClassNamespaceOptions {
  /** `null` without Redis: every handshake is refused with `REDIS_UNAVAILABLE`. */
  store: ClassStore | null
  /** Sockets one class may hold on this instance (a member may have several pages open). */
  maxSocketsPerClass: number
  eventsPerSecond: number
  eventBurst: number
  logger: Pick<SandboxLogger, 'refusal'>
  /** The instance's Socket.IO servers whose space namespaces a reset drops (main, resilience). */
  servers: () => Server[]
}

/** The room of a class's sockets. */
export const classRoom = (code: string): string => `class:${code}`

/** Checks the handshake and reserves the name; throws the refusal. */
async function admit(socket: ClassSocket, options: ClassNamespaceOptions, quota: Quota<string>): Promise<void> {
  if (!options.store) throw new SandboxError('REDIS_UNAVAILABLE', 'classes need Redis, and this deployment runs without it')
  const auth = classAuthSchema.safeParse(socket.handshake.auth)
  if (!auth.success) throw new SandboxError('INVALID_HANDSHAKE', 'auth must be { code, name, member }')
  const code = parseClassCode(auth.data.code)
  if (!code) throw new SandboxError('CLASS_NOT_FOUND', 'no open class has this code')
  const name = tidyMemberName(auth.data.name)
  if (!name) throw new SandboxError('INVALID_NAME', MEMBER_NAME_RULE)
  const release = quota.tryTake(code)
  if (!release) throw new SandboxError('CLASS_FULL', 'the class has too many pages open on this instance')
  try {
    await options.store.join(code, name, auth.data.member)
    const stored = await options.store.get(code)
    if (!stored) throw new SandboxError('CLASS_NOT_FOUND', 'no open class has this code')
    socket.data = { code, name, member: auth.data.member, space: stored.space, widgets: [] }
    socket.once('disconnect', release)
  } catch (error) {
    release()
    throw error
  }
}

/**
 * Drops, on THIS instance, every socket of `space`: its namespaces on every server given (the
 * playground, cluster, secure and resilience ones) and its observers. Returns how many.
 *
 * @example
 * dropSpaceLocally([io, resilience.io], 'q0x9ka') // => 4
 */
export function dropSpaceLocally(servers: readonly Server[], space: string): number {
  let dropped = 0
  for (const server of servers) {
    for (const [name, nsp] of server._nsps) {
      const where = parseSpaceNamespace(name) ?? parseResilienceNamespace(name)
      const sockets =
        where?.space === space
          ? [...nsp.sockets.values()]
          : name === OBSERVE_NAMESPACE
            ? [...nsp.sockets.values()].filter((s) => s.data?.space === space)
            : []
      for (const socket of sockets) socket.disconnect(true)
      dropped += sockets.length
    }
  }
  return dropped
}

/** `class:leave`: frees the member's name, then closes every page of theirs (on every instance). */
async function leaveClass(socket: ClassSocket, options: ClassNamespaceOptions): Promise<{ ok: true }> {
  const { code, member } = socket.data
  await options.store?.leave(code, member)
  const pages = await socket.nsp
    .in(classRoom(code))
    .fetchSockets()
    .catch(() => [])
  setImmediate(() => {
    for (const page of pages) if (page.data.member === member) page.disconnect(true)
    socket.disconnect(true)
  })
  return { ok: true }
}

/** A member's events: `class:widgets` and `class:leave`, rate-limited; anything else refused and logged. */
function onConnection(socket: ClassSocket, options: ClassNamespaceOptions, hello: (socket: ClassSocket) => Promise<void>): void {
  void socket.join(classRoom(socket.data.code))
  void hello(socket)
  const bucket = new TokenBucket(options.eventsPerSecond, options.eventBurst)
  socket.onAny(async (event: unknown, ...args: unknown[]) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined
    const name = String(event).slice(0, 40)
    let answer: unknown
    try {
      if (!bucket.take()) throw new SandboxError('RATE_LIMITED', 'too many events: slow down')
      if (name === 'class:leave') {
        parseOrThrow(emptyPayloadSchema, args[0] ?? {}, 'class:leave: ')
        answer = await leaveClass(socket, options)
      } else if (name === 'class:widgets') {
        const { widgets } = parseOrThrow(classWidgetsSchema, args[0] ?? {}, 'class:widgets: ')
        socket.data.widgets = [...new Set(widgets)]
        answer = { ok: true }
      } else {
        options.logger.refusal({ code: 'UNKNOWN_EVENT', namespace: CLASS_NAMESPACE, event: name }, 'class refused a learner event')
        throw new SandboxError('UNKNOWN_EVENT', `unknown event "${name}": a class member may only send class:widgets or class:leave`)
      }
    } catch (thrown) {
      answer = SandboxError.from(thrown).toAck()
    }
    ack?.(answer)
  })
}

/**
 * Sets up `/class` on `io`; returns the namespace and the cluster-wide space drop.
 *
 * @example
 * const classes = attachClassNamespace(io, { store, maxSocketsPerClass: 240, eventsPerSecond: 20, eventBurst: 40, logger, servers })
 * await classes.dropSpace('q0x9ka') // every instance drops the space's sockets
 */
export function attachClassNamespace(
  io: Server,
  options: ClassNamespaceOptions,
): { nsp: ClassNsp; dropSpace(space: string): Promise<number> } {
  const nsp = io.of(CLASS_NAMESPACE) as unknown as ClassNsp
  const quota = new Quota<string>(options.maxSocketsPerClass)
  nsp.use((socket, next) => {
    admit(socket, options, quota).then(
      () => next(),
      (error: unknown) => next(SandboxError.from(error).toConnectError()),
    )
  })
  const hello = async (socket: ClassSocket): Promise<void> => {
    const stored = await options.store?.get(socket.data.code).catch(() => null)
    if (!stored) return void socket.disconnect(true)
    const { code, space, locked, announcement } = stored
    socket.emit('class:hello', { code, space, name: socket.data.name, locked, announcement })
  }
  nsp.on('connection', (socket) => onConnection(socket, options, hello))
  nsp.on('class:drop-space', (space, ack) => ack(dropSpaceLocally(options.servers(), space)))
  return {
    nsp,
    async dropSpace(space) {
      const here = dropSpaceLocally(options.servers(), space)
      const there = await nsp.serverSideEmitWithAck('class:drop-space', space).catch(() => [] as number[])
      return here + there.reduce((sum, n) => sum + n, 0)
    },
  }
}
