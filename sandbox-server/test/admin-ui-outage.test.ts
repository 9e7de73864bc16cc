/**
 * The Admin UI while Redis is down (a private redis-server, stopped and restarted; the shared one
 * is never touched): the instance keeps running, a password login still works on its instance
 * (sessions are also kept in memory), and so does resuming that session there.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { io as connect, type Socket } from 'socket.io-client'
import type { SandboxServer } from '../src/index.ts'
import { ADMIN_UI_NAMESPACE, ADMIN_UI_USERNAME, type HealthBody } from '../src/protocol/index.ts'
import { eventually, PrivateRedis, startCluster, stopAll } from './harness.ts'

const SECRET = randomBytes(32).toString('base64url')
let redis: PrivateRedis
let instance: SandboxServer
const opened: Socket[] = []

beforeAll(async () => {
  redis = await PrivateRedis.start()
  const [started] = await startCluster(1, { redisUrl: redis.url, instructorToken: SECRET })
  if (!started) throw new Error('no instance')
  instance = started
  await eventually(() => expect(instance.fanout()).toBe('redis'), 5_000)
})
afterAll(async () => {
  await stopAll(instance ? [instance] : [], opened)
  await redis?.stop()
})

/** Logs in with `auth`; resolves with the session id received after connecting, or the refusal's code. */
async function logIn(auth: Record<string, unknown>): Promise<{ connected: boolean; session?: string; code?: unknown }> {
  const socket = connect(`${instance.url}${ADMIN_UI_NAMESPACE}`, { forceNew: true, transports: ['websocket'], reconnection: false, auth })
  opened.push(socket)
  return new Promise((resolve) => {
    socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve({ connected: false, code: error.data?.code }))
    socket.once('connect', () => {
      if ('sessionId' in auth) resolve({ connected: true })
      else socket.once('session', (session: string) => resolve({ connected: true, session }))
    })
  })
}

it('logs in and resumes a session on the instance while Redis is down, then again once it is back', async () => {
  await redis.stop()
  await eventually(async () => {
    const health = (await (await fetch(`${instance.url}/healthz`)).json()) as HealthBody
    expect(health.redis).toBe('down')
  }, 10_000)
  const login = await logIn({ username: ADMIN_UI_USERNAME, password: SECRET })
  expect(login).toMatchObject({ connected: true, session: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown })
  expect(await logIn({ sessionId: login.session })).toEqual({ connected: true })
  expect(await logIn({ username: ADMIN_UI_USERNAME, password: 'wrong' })).toEqual({ connected: false, code: 'INSTRUCTOR_UNAUTHORIZED' })

  await redis.restart()
  await eventually(() => expect(instance.fanout()).toBe('redis'), 10_000)
  expect(await logIn({ username: ADMIN_UI_USERNAME, password: SECRET })).toMatchObject({ connected: true })
})
