/**
 * Classes: the instructor's routes (behind the instructor guard; reads behind the projector's)
 * and the learners' `/class` namespace, over one Redis store shared by every instance.
 *
 * | route | guard | does |
 * |---|---|---|
 * | `POST /instructor/classes` `{}` | instructor | opens a class: join code + fresh space (201 `ClassDetail`) |
 * | `GET /instructor/classes` | projector | `ClassList` |
 * | `GET /instructor/classes/:code` | projector | `ClassDetail` (members: name, widgets open, connected) |
 * | `POST /instructor/classes/:code/lock` `{ locked }` | instructor | no new names while locked |
 * | `POST /instructor/classes/:code/reset` `{}` | instructor | drops every socket of the class's space on every instance; members told `class:reset` |
 * | `POST /instructor/classes/:code/announce` `{ text }` | instructor | `class:announcement` to every member page; kept as the latest |
 * | `POST /instructor/classes/:code/close` `{}` | instructor | members told `class:closed`, their sockets closed, keys deleted |
 *
 * @module
 */
import type { Context } from 'hono'
import type { Server } from 'socket.io'
import { readJsonBody } from '../app/guard.ts'
import { SandboxError, parseOrThrow } from '../errors/index.ts'
import type { InstructorRouter } from '../instructor/index.ts'
import type { SandboxLogger } from '../log/index.ts'
import type { ClassDetail, ClassList } from '../protocol/classes.ts'
import { announceSchema, classCodeSchema, emptyPayloadSchema, lockSchema } from '../protocol/schemas.ts'
import type { RedisLink } from '../redis/index.ts'
import { attachClassNamespace, classRoom } from './namespace.ts'
import { listMembers, newClassCode, newClassSpace } from './rules.ts'
import { ClassStore, type StoredClass } from './store.ts'

export { ClassStore } from './store.ts'
export { attachClassNamespace, classRoom, dropSpaceLocally, type ClassServerSideEvents, type ClassSocketData } from './namespace.ts'
export { listMembers, newClassCode, newClassSpace, randomCode } from './rules.ts'

export interface ClassesOptions {
  config: {
    keyPrefix: string
    maxClasses: number
    maxClassMembers: number
    classTtlSeconds: number
    eventsPerSecond: number
    eventBurst: number
  }
  redis: RedisLink | null
  logger: SandboxLogger
  /** The instance's Socket.IO servers whose space namespaces a reset drops (main, resilience). */
  servers: () => Server[]
}

/**
 * Adds the class routes to the instructor router and `/class` to `io`.
 *
 * @example
 * attachClasses(io, router, { config, redis, logger, servers: () => [io, resilience.io] })
 * // POST /instructor/classes (Bearer <secret>) => 201 { code: 'K7Q2MX', space: 'q0x9ka', members: [], ... }
 */
export function attachClasses(io: Server, router: InstructorRouter, options: ClassesOptions): void {
  const { config, logger } = options
  const store = options.redis
    ? new ClassStore({
        redis: options.redis.pub,
        keyPrefix: config.keyPrefix,
        maxClasses: config.maxClasses,
        maxMembers: config.maxClassMembers,
        ttlSeconds: config.classTtlSeconds,
      })
    : null
  const classes = attachClassNamespace(io, {
    store,
    maxSocketsPerClass: config.maxClassMembers * 4,
    eventsPerSecond: config.eventsPerSecond,
    eventBurst: config.eventBurst,
    logger,
    servers: options.servers,
  })
  const needStore = (): ClassStore => {
    if (!store) throw new SandboxError('REDIS_UNAVAILABLE', 'classes need Redis, and this deployment runs without it')
    return store
  }
  const byCode = async (code: string): Promise<StoredClass> => {
    const stored = await needStore().get(code)
    if (!stored) throw new SandboxError('CLASS_NOT_FOUND', 'no open class has this code')
    return stored
  }
  const found = (c: Context): Promise<StoredClass> => byCode(parseOrThrow(classCodeSchema, c.req.param('code'), 'code: ', 'path'))
  const detail = async (stored: StoredClass): Promise<ClassDetail> => {
    const sockets = await classes.nsp
      .in(classRoom(stored.code))
      .fetchSockets()
      .catch(() => {
        throw new SandboxError('CLUSTER_TIMEOUT', 'an instance did not say who is connected in time: is one down, or Redis?')
      })
    const { members, ...summary } = stored
    return {
      ...summary,
      members: listMembers(
        members,
        sockets.map((socket) => socket.data),
      ),
    }
  }
  const answer = (c: Context, body: ClassDetail | ClassList, status: 200 | 201 = 200): Response => {
    c.header('Cache-Control', 'no-store')
    return c.json(body, status)
  }
  const { app, guard } = router
  app.post('/instructor/classes', guard('instructor'), async (c) => {
    parseOrThrow(emptyPayloadSchema, await readJsonBody(c), '', 'body')
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = newClassCode()
      if (await needStore().create(code, newClassSpace())) {
        logger.info({ event: 'class:create' }, 'the instructor opened a class')
        return answer(c, await detail(await byCode(code)), 201)
      }
    }
    throw new SandboxError('INTERNAL', 'could not find a free class code')
  })
  app.get('/instructor/classes', guard('projector'), async (c) => {
    const list = await needStore().list()
    return answer(c, { classes: list.map(({ members: _members, ...summary }) => summary), maxClasses: config.maxClasses })
  })
  app.get('/instructor/classes/:code', guard('projector'), async (c) => answer(c, await detail(await found(c))))
  attachActions(router, { store: needStore, found, detail, answer, classes, logger })
}

interface ActionTools {
  store: () => ClassStore
  found: (c: Context) => Promise<StoredClass>
  detail: (stored: StoredClass) => Promise<ClassDetail>
  answer: (c: Context, body: ClassDetail) => Response
  classes: ReturnType<typeof attachClassNamespace>
  logger: SandboxLogger
}

/** lock, reset, announce, close: instructor only, each logged (never the announcement's text). */
function attachActions(router: InstructorRouter, tools: ActionTools): void {
  const { app, guard } = router
  const { store, found, detail, answer, classes, logger } = tools
  const act = (event: string) => logger.info({ event }, `the instructor acted on a class: ${event}`)
  app.post('/instructor/classes/:code/lock', guard('instructor'), async (c) => {
    const { locked } = parseOrThrow(lockSchema, await readJsonBody(c), '', 'body')
    const stored = await found(c)
    await store().lock(stored.code, locked)
    classes.nsp.to(classRoom(stored.code)).emit('class:locked', { locked })
    act(locked ? 'class:lock' : 'class:unlock')
    return answer(c, await detail({ ...stored, locked }))
  })
  app.post('/instructor/classes/:code/reset', guard('instructor'), async (c) => {
    parseOrThrow(emptyPayloadSchema, await readJsonBody(c), '', 'body')
    const stored = await found(c)
    // Every instance drops the space's sockets BEFORE members are told to open them again.
    await classes.dropSpace(stored.space)
    classes.nsp.to(classRoom(stored.code)).emit('class:reset', { space: stored.space })
    act('class:reset')
    return answer(c, await detail(stored))
  })
  app.post('/instructor/classes/:code/announce', guard('instructor'), async (c) => {
    const { text } = parseOrThrow(announceSchema, await readJsonBody(c), '', 'body')
    const stored = await found(c)
    const announcement = { text, at: Date.now() }
    await store().announce(stored.code, announcement)
    classes.nsp.to(classRoom(stored.code)).emit('class:announcement', announcement)
    act('class:announce')
    return answer(c, await detail({ ...stored, announcement }))
  })
  app.post('/instructor/classes/:code/close', guard('instructor'), async (c) => {
    parseOrThrow(emptyPayloadSchema, await readJsonBody(c), '', 'body')
    const stored = await found(c)
    await store().close(stored.code)
    const room = classes.nsp.to(classRoom(stored.code))
    room.emit('class:closed', { code: stored.code })
    // After the goodbye: the sockets of the class, on every instance.
    setTimeout(() => classes.nsp.in(classRoom(stored.code)).disconnectSockets(true), 250).unref()
    act('class:close')
    const { members: _members, ...summary } = stored
    return answer(c, { ...summary, memberCount: 0, members: [] })
  })
}
