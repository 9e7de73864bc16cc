// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import type { ClassDetail } from '@realtime-workbook/sandbox-server/protocol'
import { ClassesApiError, createClassesApi, mountClassProjector, mountClassesPanel, type ClassesApi } from './classes-panel.ts'

const q = (root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

/** An in-memory ClassesApi recording the calls. */
function fakeApi(): ClassesApi & { calls: string[] } {
  const classes = new Map<string, ClassDetail>()
  const calls: string[] = []
  const get = async (code: string): Promise<ClassDetail> => {
    const found = classes.get(code)
    if (!found) throw new ClassesApiError('CLASS_NOT_FOUND', 'no open class has this code')
    return found
  }
  const change = async (code: string, what: string, patch: Partial<ClassDetail>): Promise<ClassDetail> => {
    calls.push(`${what} ${code}`)
    const next = { ...(await get(code)), ...patch }
    classes.set(code, next)
    return next
  }
  return {
    calls,
    create: async () => {
      const made: ClassDetail = {
        code: 'K7Q2MX',
        space: 'q0x9ka',
        locked: false,
        createdAt: 1,
        memberCount: 1,
        announcement: null,
        members: [],
      }
      made.members = [{ name: '<b>Ada</b>', widgets: ['room-playground'], connected: true }]
      classes.set(made.code, made)
      calls.push('create')
      return made
    },
    list: async () => ({ classes: [...classes.values()], maxClasses: 20 }),
    get,
    lock: (code, locked) => change(code, locked ? 'lock' : 'unlock', { locked }),
    reset: (code) => change(code, 'reset', {}),
    announce: (code, text) => change(code, `announce:${text}`, { announcement: { text, at: 2 } }),
    close: async (code) => {
      calls.push(`close ${code}`)
      const closed = await get(code)
      classes.delete(code)
      return closed
    },
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
    expect(q(root, 'class-code').textContent).toBe('K7Q2MX')
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
    expect(api.calls).not.toContain('reset K7Q2MX')
    q(root, 'class-reset').click()
    q(root, 'class-close').click()
    q(root, 'class-close').click()
    await tick()
    await tick()
    expect(api.calls).toEqual(['create', 'lock K7Q2MX', 'announce:Open lesson 3 K7Q2MX', 'reset K7Q2MX', 'close K7Q2MX'])
    expect(q(root, 'class-card')).toBeNull()
    panel.destroy()
  })

  it('shows the projector view read-only: code, count, names', async () => {
    const api = fakeApi()
    await api.create()
    const root = document.createElement('section')
    const view = mountClassProjector(root, api, { intervalMs: 60_000 })
    await tick()
    await tick()
    expect(q(root, 'projector-class-code').textContent).toBe('K7Q2MX')
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
