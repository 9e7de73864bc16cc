import { randomBytes } from 'node:crypto'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { answerErrors, TrustedProxies } from '../app/index.ts'
import { createLogger, type SandboxLogger } from '../log/index.ts'
import { attachInstructor, InstructorAccess, projectorKey } from './index.ts'

const SITE = 'http://localhost:4321'
const secret = randomBytes(32).toString('base64url')
const loggers: SandboxLogger[] = []
afterEach(() => {
  for (const logger of loggers.splice(0)) logger.close()
})

/** An app with the instructor routes, and the log lines it writes. */
function setup(configured: string | null = secret): { app: Hono; lines: string[] } {
  const lines: string[] = []
  const logger = createLogger({ instanceId: 'i1', write: (line) => lines.push(line) })
  loggers.push(logger)
  const app = new Hono()
  attachInstructor(app, { access: new InstructorAccess(configured), allowedOrigins: new Set([SITE]), proxies: TrustedProxies.none, logger })
  app.onError(answerErrors(() => undefined))
  return { app, lines }
}

const whoami = (app: Hono, headers: Record<string, string>): Promise<Response> =>
  Promise.resolve(app.request('/instructor/whoami', { headers: { Origin: SITE, ...headers } }))

describe('instructor routes', () => {
  it('tell the instructor and the projector apart', async () => {
    const { app } = setup()
    const instructor = await whoami(app, { Authorization: `Bearer ${secret}` })
    expect(instructor.status).toBe(200)
    expect(await instructor.json()).toEqual({ role: 'instructor' })
    const projector = await whoami(app, { Authorization: `Bearer ${projectorKey(secret)}` })
    expect(await projector.json()).toEqual({ role: 'projector' })
  })

  it.each([
    ['no header', {}],
    ['a wrong key', { Authorization: `Bearer ${randomBytes(32).toString('base64url')}` }],
    ['the secret with a different case', { Authorization: `Bearer ${secret.toUpperCase()}` }],
    ['a prefix of the secret', { Authorization: `Bearer ${secret.slice(0, 20)}` }],
    ['another scheme', { Authorization: `Basic ${secret}` }],
    ['an oversized key', { Authorization: `Bearer ${'a'.repeat(5_000)}` }],
  ])('refuse %s with 401 INSTRUCTOR_UNAUTHORIZED, and log it without the key', async (_, headers: Record<string, string>) => {
    const { app, lines } = setup()
    const response = await whoami(app, headers)
    expect(response.status).toBe(401)
    const body = (await response.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('INSTRUCTOR_UNAUTHORIZED')
    expect(lines.join('\n')).toContain('INSTRUCTOR_UNAUTHORIZED')
    expect(lines.join('\n')).not.toContain(secret.slice(0, 20))
    const presented = headers.Authorization?.split(' ')[1]
    if (presented) expect(lines.join('\n')).not.toContain(presented.slice(0, 16))
  })

  it('refuse the right key from a page on another origin', async () => {
    const { app } = setup()
    const response = await whoami(app, { Origin: 'http://evil.test', Authorization: `Bearer ${secret}` })
    expect(response.status).toBe(403)
  })

  it('refuse every key when no secret is configured', async () => {
    const { app } = setup(null)
    expect((await whoami(app, { Authorization: `Bearer ${secret}` })).status).toBe(401)
  })

  it('let only the instructor through an instructor guard: the projector key reads, never acts', async () => {
    const { app } = setup()
    const router = attachInstructor(app, {
      access: new InstructorAccess(secret),
      allowedOrigins: new Set([SITE]),
      proxies: TrustedProxies.none,
      logger: createLogger({ instanceId: 'i1', write: () => undefined }),
    })
    app.post('/instructor/act', router.guard('instructor'), (c) => c.json({ ok: true }))
    const act = (key: string): Promise<Response> =>
      Promise.resolve(
        app.request('/instructor/act', {
          method: 'POST',
          headers: { Origin: SITE, Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
          body: '{}',
        }),
      )
    expect((await act(projectorKey(secret))).status).toBe(401)
    expect((await act(secret)).status).toBe(200)
  })
})
