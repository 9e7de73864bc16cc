// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { createClassesApi, mountClassProjector, mountClassesPanel } from './classes-panel.ts'
import { createFakeClassesApi, type FakeClassesApi } from './fake-classes.ts'

const q = (root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

/** The fake ClassesApi with a member, recording the actions. */
function fakeApi(): FakeClassesApi & { calls: string[] } {
  const fake = createFakeClassesApi({ maxClasses: 20 })
  const calls: string[] = []
  const record =
    <A extends unknown[], R>(what: (...args: A) => string, run: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push(what(...args))
      return run(...args)
    }
  return {
    ...fake,
    calls,
    create: record(
      () => 'create',
      async () => {
        const made = await fake.create()
        fake.addMember(made.code, { name: '<b>Ada</b>', widgets: ['room-playground'], connected: true })
        return fake.get(made.code)
      },
    ),
    lock: record((code, locked) => `${locked ? 'lock' : 'unlock'} ${code}`, fake.lock),
    reset: record((code) => `reset ${code}`, fake.reset),
    announce: record((code, text) => `announce:${text} ${code}`, fake.announce),
    close: record((code) => `close ${code}`, fake.close),
  }
}

describe('classes panel', () => {
  it('opens a class, lists its members as text, locks, announces, and asks before reset and close', async () => {
    const api = fakeApi()
    const root = document.createElement('section')
    document.body.append(root)
    const panel = mountClassesPanel(root, api, { intervalMs: 60_000 })
    q(root, 'class-create').click()
    await tick()
    await tick()
    const code = q(root, 'class-code').textContent ?? ''
    expect(code).toMatch(/^[A-Z2-9]{6}$/)
    expect(root.querySelector('b')).toBeNull()
    expect(q(root, 'class-member-row').textContent).toContain('<b>Ada</b>')
    expect(q(root, 'class-member-row').textContent).toContain('Room playground (2)')
    q(root, 'class-lock').click()
    await tick()
    await tick()
    expect(q(root, 'class-lock').textContent).toBe('Unlock')
    ;(q(root, 'class-announce-text') as HTMLTextAreaElement).value = 'Open lesson 3'
    q(root, 'class-announce').click()
    await tick()
    q(root, 'class-reset').click()
    expect(api.calls).not.toContain(`reset ${code}`)
    q(root, 'class-reset').click()
    q(root, 'class-close').click()
    q(root, 'class-close').click()
    await tick()
    await tick()
    expect(api.calls).toEqual(['create', `lock ${code}`, `announce:Open lesson 3 ${code}`, `reset ${code}`, `close ${code}`])
    expect(q(root, 'class-card')).toBeNull()
    panel.destroy()
  })

  it('shows the projector view read-only: code, count, names', async () => {
    const api = fakeApi()
    const made = await api.create()
    const root = document.createElement('section')
    const view = mountClassProjector(root, api, { intervalMs: 60_000 })
    await tick()
    await tick()
    expect(q(root, 'projector-class-code').textContent).toBe(made.code)
    expect(q(root, 'projector-class-count').textContent).toBe('1 of 1 connected')
    expect(root.querySelector('button')).toBeNull()
    view.destroy()
  })
})

describe('createClassesApi', () => {
  it('sends the key as a Bearer header, never in the URL, and turns a refusal into its code', async () => {
    const seen: { url: string; auth: string | null }[] = []
    const api = createClassesApi({
      base: () => 'http://sandbox.test:4001',
      key: 'secret-key-0123456789',
      fetch: async (input, init) => {
        seen.push({ url: String(input), auth: new Headers(init?.headers).get('Authorization') })
        return new Response(JSON.stringify({ error: { code: 'INSTRUCTOR_UNAUTHORIZED', message: 'no' } }), { status: 401 })
      },
    })
    await expect(api.lock('K7Q2MX', true)).rejects.toMatchObject({ code: 'INSTRUCTOR_UNAUTHORIZED' })
    expect(seen).toEqual([{ url: 'http://sandbox.test:4001/instructor/classes/K7Q2MX/lock', auth: 'Bearer secret-key-0123456789' }])
  })
})
