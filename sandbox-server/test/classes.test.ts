/**
 * Classes on a real 3-instance cluster joined through the shared Redis (unique key prefix): the
 * instructor routes (and their refusals without the key, or with the projector's), the `/class`
 * handshake's refusal codes, members on different instances, the name race, lock, reset (the
 * space's sockets dropped on every instance), announcements across instances and close.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io as connect, type Socket } from 'socket.io-client'
import { projectorKey } from '../src/instructor/index.ts'
import { startSandboxServer, type SandboxServer } from '../src/index.ts'
import { isClassDetail, isClassHello, type Announcement, type ClassDetail, type ClassHello } from '../src/protocol/classes.ts'
import { eventually, observer, playgroundClient, SHARED_REDIS_URL, stopAll, uniquePrefix } from './harness.ts'

const SITE = 'http://localhost:4321'
const SECRET = randomBytes(32).toString('base64url')
const lines: string[] = []
let cluster: SandboxServer[] = []
const sockets: Socket[] = []

beforeAll(async () => {
  const keyPrefix = uniquePrefix()
  cluster = await Promise.all(
    ['i1', 'i2', 'i3'].map((instanceId) =>
      startSandboxServer({
        redisUrl: SHARED_REDIS_URL,
        instanceId,
        port: 0,
        keyPrefix,
        instructorToken: SECRET,
        allowedOrigins: [SITE],
        maxClassMembers: 4,
        logFormat: 'json',
        log: (line) => lines.push(line),
      }),
    ),
  )
  await eventually(() => expect(cluster.map((instance) => instance.fanout())).toEqual(['redis', 'redis', 'redis']))
})
afterAll(() => stopAll(cluster, sockets))

const at = (index: number): SandboxServer => {
  const instance = cluster[index]
  if (!instance) throw new Error(`no instance ${index}`)
  return instance
}

/** An instructor request; `key` null: none. */
async function call(
  index: number,
  method: string,
  path: string,
  body?: unknown,
  key: string | null = SECRET,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${at(index).url}${path}`, {
    method,
    headers: { Origin: SITE, 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  return { status: response.status, json: await response.json() }
}

async function createClass(): Promise<ClassDetail> {
  const { status, json } = await call(0, 'POST', '/instructor/classes', {})
  expect(status).toBe(201)
  if (!isClassDetail(json)) throw new Error(`not a class: ${JSON.stringify(json)}`)
  return json
}

const memberId = (): string => randomBytes(12).toString('base64url')

interface Member {
  socket: Socket
  hello: ClassHello
  announcements: Announcement[]
  events: string[]
}

function open(index: number, auth: Record<string, unknown>): Socket {
  const socket = connect(`${at(index).url}/class`, { forceNew: true, transports: ['websocket'], auth, reconnection: false })
  sockets.push(socket)
  return socket
}

async function join(index: number, code: string, name: string, member = memberId()): Promise<Member> {
  const socket = open(index, { code, name, member })
  const announcements: Announcement[] = []
  const events: string[] = []
  socket.on('class:announcement', (a: Announcement) => announcements.push(a))
  socket.onAny((event: string) => events.push(event))
  const hello = await new Promise<unknown>((resolve, reject) => {
    socket.once('class:hello', resolve)
    socket.once('connect_error', reject)
  })
  if (!isClassHello(hello)) throw new Error('bad hello')
  return { socket, hello, announcements, events }
}

async function refusal(index: number, auth: Record<string, unknown>): Promise<unknown> {
  const socket = open(index, auth)
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('accepted'))
    socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve(error.data?.code))
  }).finally(() => socket.disconnect())
}

describe('instructor class routes', () => {
  it('are refused without the key, and the projector key only reads', async () => {
    const made = await createClass()
    const path = `/instructor/classes/${made.code}`
    expect((await call(1, 'POST', '/instructor/classes', {}, null)).status).toBe(401)
    for (const action of ['lock', 'reset', 'announce', 'close']) {
      const body = action === 'lock' ? { locked: true } : action === 'announce' ? { text: 'hi' } : {}
      expect((await call(1, 'POST', `${path}/${action}`, body, null)).json).toMatchObject({ error: { code: 'INSTRUCTOR_UNAUTHORIZED' } })
      expect((await call(1, 'POST', `${path}/${action}`, body, projectorKey(SECRET))).status).toBe(401)
    }
    expect((await call(2, 'GET', path, undefined, projectorKey(SECRET))).json).toMatchObject({ code: made.code, locked: false })
    expect((await call(2, 'GET', '/instructor/classes', undefined, null)).status).toBe(401)
    const list = await call(2, 'GET', '/instructor/classes', undefined, projectorKey(SECRET))
    expect(JSON.stringify(list.json)).toContain(made.code)
    expect((await call(0, 'GET', '/instructor/classes/AAAAAA')).json).toMatchObject({ error: { code: 'CLASS_NOT_FOUND' } })
    expect((await call(0, 'GET', '/instructor/classes/nope')).status).toBe(400)
    expect((await call(0, 'POST', `${path}/announce`, { text: 'x'.repeat(281) })).json).toMatchObject({
      error: { code: 'INVALID_PAYLOAD' },
    })
    expect((await call(0, 'POST', `${path}/announce`, { text: '   ' })).status).toBe(400)
    expect(lines.some((line) => line.includes('INSTRUCTOR_UNAUTHORIZED') && line.includes('/lock'))).toBe(true)
    expect(lines.join('\n')).not.toContain(SECRET)
  })
})

describe('the /class namespace', () => {
  it('refuses each bad handshake with its own code', async () => {
    const { code } = await createClass()
    const ok = { code, name: 'Ada', member: memberId() }
    expect(await refusal(0, { code })).toBe('INVALID_HANDSHAKE')
    expect(await refusal(0, { ...ok, member: 'short' })).toBe('INVALID_HANDSHAKE')
    expect(await refusal(0, { ...ok, code: 'ZZZZZZ' })).toBe('CLASS_NOT_FOUND')
    expect(await refusal(0, { ...ok, code: 'k7q2mx' })).toBe('CLASS_NOT_FOUND')
    expect(await refusal(0, { ...ok, name: '<b>x</b>' })).toBe('INVALID_NAME')
    expect(await refusal(0, { ...ok, name: '' })).toBe('INVALID_NAME')
    await join(0, code, 'Ada')
    expect(await refusal(1, { ...ok, name: 'ADA' })).toBe('NAME_TAKEN')
    for (const name of ['Bo', 'Cy', 'Di']) await join(2, code, name)
    expect(await refusal(1, { ...ok, name: 'Ed' })).toBe('CLASS_FULL')
  })

  it('lets one of two members racing for a name in, on different instances', async () => {
    const { code } = await createClass()
    const results = await Promise.all([0, 1, 2].map((index) => refusal(index, { code, name: 'Zoë', member: memberId() })))
    expect(results.filter((r) => r === 'accepted')).toHaveLength(1)
    expect(results.filter((r) => r === 'NAME_TAKEN')).toHaveLength(2)
  })

  it('lists members of every instance with their widgets, and refuses made-up instructor events (logged)', async () => {
    const { code, space } = await createClass()
    const ada = await join(0, code, 'Ada')
    const bo = await join(2, code, 'Bo')
    expect(ada.hello).toMatchObject({ code, space, name: 'Ada', locked: false, announcement: null })
    expect(await ada.socket.timeout(2000).emitWithAck('class:widgets', { widgets: ['room-playground'] })).toEqual({ ok: true })
    expect(await bo.socket.timeout(2000).emitWithAck('class:widgets', { widgets: ['nope'] })).toMatchObject({
      error: { code: 'INVALID_PAYLOAD' },
    })
    for (const event of ['class:announce', 'class:reset', 'class:close', 'class:lock'])
      expect(await ada.socket.timeout(2000).emitWithAck(event, { text: 'pwned' })).toMatchObject({ error: { code: 'UNKNOWN_EVENT' } })
    expect(lines.some((line) => line.includes('class refused a learner event') && line.includes('class:announce'))).toBe(true)
    expect(lines.join('\n')).not.toContain(SECRET)
    const detail = await call(1, 'GET', `/instructor/classes/${code}`)
    expect(detail.json).toMatchObject({
      members: [
        { name: 'Ada', widgets: ['room-playground'], connected: true },
        { name: 'Bo', widgets: [], connected: true },
      ],
    })
    bo.socket.disconnect()
    await eventually(async () =>
      expect((await call(1, 'GET', `/instructor/classes/${code}`)).json).toMatchObject({
        members: [{ connected: true }, { name: 'Bo', connected: false }],
      }),
    )
    // A known member comes back with the same name.
    await join(1, code, 'Bo', memberIdOf(bo))
    // Ada leaves: her name is free again, for a new member id.
    const gone = new Promise<string>((resolve) => ada.socket.once('disconnect', resolve))
    expect(await ada.socket.timeout(2000).emitWithAck('class:leave', {})).toEqual({ ok: true })
    expect(await gone).toBe('io server disconnect')
    await join(2, code, 'ada')
  })

  it('delivers an announcement to members on every instance, and shows the latest to a page opened later', async () => {
    const { code } = await createClass()
    const members = await Promise.all([0, 1, 2].map((index) => join(index, code, `M${index}`)))
    expect((await call(1, 'POST', `/instructor/classes/${code}/announce`, { text: 'Open lesson 3 <b>now</b>' })).status).toBe(200)
    await eventually(() => {
      for (const member of members) expect(member.announcements.map((a) => a.text)).toEqual(['Open lesson 3 <b>now</b>'])
    })
    const later = await join(2, code, 'Late')
    expect(later.hello.announcement?.text).toBe('Open lesson 3 <b>now</b>')
  })

  it('lock refuses new names only; reset drops the space sockets on every instance; close tells members and deletes the class', async () => {
    const { code, space } = await createClass()
    const ada = await join(0, code, 'Ada')
    await call(2, 'POST', `/instructor/classes/${code}/lock`, { locked: true })
    await eventually(() => expect(ada.events).toContain('class:locked'))
    expect(await refusal(1, { code, name: 'New', member: memberId() })).toBe('CLASS_LOCKED')
    expect(await refusal(1, { code, name: 'Ada', member: memberIdOf(ada) })).toBe('accepted')
    await call(2, 'POST', `/instructor/classes/${code}/lock`, { locked: false })
    expect(await refusal(1, { code, name: 'New', member: memberId() })).toBe('accepted')

    const widgets = await Promise.all(
      [0, 1, 2].map((index) => playgroundClient(at(index), space, index === 1 ? '/without-redis' : '/chat', `W${index}`)),
    )
    const watcher = await observer(at(1), space)
    const reasons: string[] = []
    for (const w of [...widgets.map((w) => w.socket), watcher.socket]) {
      sockets.push(w)
      w.on('disconnect', (reason) => reasons.push(reason))
    }
    expect((await call(0, 'POST', `/instructor/classes/${code}/reset`, {})).status).toBe(200)
    await eventually(() =>
      expect(reasons).toEqual(['io server disconnect', 'io server disconnect', 'io server disconnect', 'io server disconnect']),
    )
    await eventually(() => expect(ada.events).toContain('class:reset'))
    expect(ada.socket.connected).toBe(true)

    const closed = new Promise<string>((resolve) => ada.socket.once('disconnect', resolve))
    expect((await call(1, 'POST', `/instructor/classes/${code}/close`, {})).status).toBe(200)
    expect(await closed).toBe('io server disconnect')
    expect(ada.events).toContain('class:closed')
    expect((await call(0, 'GET', `/instructor/classes/${code}`)).status).toBe(404)
    expect(await refusal(0, { code, name: 'Ada', member: memberIdOf(ada) })).toBe('CLASS_NOT_FOUND')
  })
})

function memberIdOf(member: Member): string {
  const auth: unknown = member.socket.auth
  if (typeof auth !== 'object' || auth === null || !('member' in auth) || typeof auth.member !== 'string') throw new Error('no member id')
  return auth.member
}

describe('limits and Redis', () => {
  it('refuses one class too many with 409 CLASS_LIMIT, and opens again once one is closed', async () => {
    const answers: { status: number; json: unknown }[] = []
    for (let i = 0; i < 25; i++) answers.push(await call(i % 3, 'POST', '/instructor/classes', {}))
    const refused = answers.filter((a) => a.status === 409)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused[0]?.json).toMatchObject({ error: { code: 'CLASS_LIMIT' } })
    const open = answers.find((a) => a.status === 201)?.json
    if (!isClassDetail(open)) throw new Error('no class was opened')
    expect((await call(1, 'POST', `/instructor/classes/${open.code}/close`, {})).status).toBe(200)
    expect((await call(2, 'POST', '/instructor/classes', {})).status).toBe(201)
  })

  it('without Redis: no classes (503 REDIS_UNAVAILABLE on the routes, and at the handshake)', async () => {
    const alone = await startSandboxServer({ redisUrl: 'off', port: 0, instructorToken: SECRET, allowedOrigins: [SITE], log: () => {} })
    try {
      const response = await fetch(`${alone.url}/instructor/classes`, {
        method: 'POST',
        headers: { Origin: SITE, 'Content-Type': 'application/json', Authorization: `Bearer ${SECRET}` },
        body: '{}',
      })
      expect(response.status).toBe(503)
      expect(await response.json()).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE' } })
      const socket = connect(`${alone.url}/class`, {
        forceNew: true,
        transports: ['websocket'],
        reconnection: false,
        auth: { code: 'K7Q2MX', name: 'Ada', member: memberId() },
      })
      sockets.push(socket)
      const code = await new Promise((resolve) =>
        socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve(error.data?.code)),
      )
      expect(code).toBe('REDIS_UNAVAILABLE')
    } finally {
      await alone.close()
    }
  })
})
