import { describe, expect, it } from 'vitest'
import { createApp, type HttpRefusal } from './index.ts'

const refusals: { fields: HttpRefusal; msg: string }[] = []
const app = createApp({
  allowedOrigins: ['http://localhost:4321'],
  logRefusal: (fields, msg) => refusals.push({ fields, msg }),
  spaceStats: () => {
    throw new Error('not reached in these tests')
  },
  health: () => ({
    instance: 'i1',
    fanout: 'redis',
    redis: 'ready',
    sockets: 3,
    spaces: 1,
    slotStreams: 0,
    observers: 0,
    uptimeSeconds: 12,
  }),
})

describe('sandbox app', () => {
  it('answers /healthz with the instance state', async () => {
    const response = await app.request('/healthz')
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({
      status: 'ok',
      instance: 'i1',
      fanout: 'redis',
      redis: 'ready',
      sockets: 3,
      spaces: 1,
      slotStreams: 0,
      observers: 0,
      uptimeSeconds: 12,
    })
  })

  it('says degraded while Redis is configured but not ready', async () => {
    for (const [redis, status] of [
      ['down', 'degraded'],
      ['connecting', 'degraded'],
      ['disabled', 'ok'],
    ] as const) {
      const degraded = createApp({
        allowedOrigins: ['http://localhost:4321'],
        health: () => ({
          instance: 'i1',
          fanout: 'redis-down',
          redis,
          sockets: 0,
          spaces: 0,
          slotStreams: 0,
          observers: 0,
          uptimeSeconds: 1,
        }),
      })
      expect(await (await degraded.request('/healthz')).json(), redis).toMatchObject({ status })
    }
  })

  it('allows CORS only for the site origins', async () => {
    const allowed = await app.request('/healthz', { headers: { Origin: 'http://localhost:4321' } })
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:4321')
    const other = await app.request('/healthz', { headers: { Origin: 'http://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('answers unknown routes with a typed 404', async () => {
    const response = await app.request('/nope')
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
  })

  it('writes a line for a refused request, with the space its path names; none for a 404', async () => {
    refusals.length = 0
    const foreign = await app.request('/s/k7q2mx/stats', { headers: { Origin: 'http://evil.example' } })
    expect(foreign.status).toBe(403)
    await app.request('/nope', { headers: { Origin: 'http://evil.example' } })
    expect(refusals).toEqual([
      {
        fields: {
          code: 'FORBIDDEN_ORIGIN',
          address: 'unknown',
          method: 'GET',
          path: '/s/k7q2mx/stats',
          origin: 'http://evil.example',
          space: 'k7q2mx',
        },
        msg: 'refused an HTTP GET',
      },
    ])
  })
})
