import { describe, expect, it } from 'vitest'
import { isInstanceFigures } from '@realtime-workbook/sandbox-server/protocol'
import { createInstructorClient, forgetKey, takeKey, type KeyEnvironment } from './instructor-client.ts'

const KEY = 'aB3_-'.repeat(9)

function environment(hash: string): KeyEnvironment & { stored: Map<string, string>; urls: string[] } {
  const stored = new Map<string, string>()
  const urls: string[] = []
  return {
    location: { hash, pathname: '/instructor/', search: '' },
    history: { replaceState: (_data, _unused, url) => void urls.push(String(url)) },
    storage: {
      getItem: (name) => stored.get(name) ?? null,
      setItem: (name, value) => void stored.set(name, value),
      removeItem: (name) => void stored.delete(name),
    },
    stored,
    urls,
  }
}

describe('takeKey', () => {
  it('reads the key from the fragment once, keeps it in session storage and clears the address bar', () => {
    const env = environment(`#key=${KEY}`)
    expect(takeKey('key', env)).toBe(KEY)
    expect(env.urls).toEqual(['/instructor/'])
    env.location.hash = ''
    expect(takeKey('key', env)).toBe(KEY)
    forgetKey('key', env.storage)
    expect(takeKey('key', env)).toBeNull()
  })

  it('keeps the console key and the projector key apart', () => {
    const env = environment(`#view=${KEY}`)
    expect(takeKey('key', env)).toBeNull()
    expect(takeKey('view', env)).toBe(KEY)
  })

  it.each(['#key=short', '#key=<script>alert(1)</script>xxxxxxxxxxxxxxxxxxxxxxxxx', '#key='])('refuses what is not a key: %s', (hash) => {
    const env = environment(hash)
    env.stored.set('rtwb-instructor-key', KEY)
    expect(takeKey('key', env)).toBeNull()
    expect(env.urls).toHaveLength(1)
  })
})

describe('createInstructorClient', () => {
  const answer = (body: unknown, status = 200): typeof fetch => {
    return async () => new Response(JSON.stringify(body), { status })
  }

  it('sends the key as a Bearer header and checks the answer', async () => {
    let sent: string | null = null
    const client = createInstructorClient(KEY, async (_url, init) => {
      sent = new Headers(init?.headers).get('Authorization')
      return new Response(JSON.stringify({ role: 'instructor' }))
    })
    expect(await client.whoami('http://localhost:4001')).toEqual({ role: 'instructor' })
    expect(sent).toBe(`Bearer ${KEY}`)
  })

  it('passes the server’s typed error on, and turns malformed answers and failures into local errors', async () => {
    const refused = { error: { code: 'INSTRUCTOR_UNAUTHORIZED', message: 'no' } }
    expect(await createInstructorClient(KEY, answer(refused, 401)).whoami('http://h:1')).toEqual(refused)
    const bad = await createInstructorClient(KEY, answer({ instance: 'i1' })).get('http://h:1/instructor/cluster', isInstanceFigures)
    expect(bad).toMatchObject({ error: { code: 'BAD_ANSWER' } })
    const down = await createInstructorClient(KEY, () => Promise.reject(new TypeError('fetch failed'))).whoami('http://h:1')
    expect(down).toMatchObject({ error: { code: 'CONNECT_FAILED' } })
  })
})
