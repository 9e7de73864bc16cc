import bcrypt from 'bcryptjs'
import { describe, expect, it } from 'vitest'
import { bcryptHashSchema, resolveInstanceConfig } from '../config/index.ts'
import { LeanEventBuffer } from './event-buffer.ts'
import { ADMIN_SESSION_SECONDS, adminLogin, adminUiPasswordHash, MAX_MEMORY_SESSIONS, MemorySessionStore } from './index.ts'

const SECRET = 'k'.repeat(43)

describe('the Admin UI password', () => {
  it('is off without a secret or a hash, the configured hash as is, else a bcrypt hash of the secret', async () => {
    expect(await adminUiPasswordHash({ adminUiPasswordHash: null, instructorToken: null })).toBeNull()
    const configured = bcrypt.hashSync('x', 4)
    expect(await adminUiPasswordHash({ adminUiPasswordHash: configured, instructorToken: SECRET })).toBe(configured)
    const made = await adminUiPasswordHash({ adminUiPasswordHash: null, instructorToken: SECRET })
    expect(made).toMatch(/^\$2[ab]\$10\$/)
    expect(bcrypt.compareSync(SECRET, made ?? '')).toBe(true)
  })

  it('ADMIN_UI_PASSWORD_HASH must be a bcrypt hash, and its error never shows the value', () => {
    const hash = bcrypt.hashSync('x', 4)
    expect(bcryptHashSchema.parse(hash)).toBe(hash)
    expect(bcryptHashSchema.parse('off')).toBeNull()
    expect(() => resolveInstanceConfig({ adminUiPasswordHash: 'plain-password' })).toThrow(/not a bcrypt hash/)
    expect(() => resolveInstanceConfig({ adminUiPasswordHash: 'plain-password' })).not.toThrow(/plain-password/)
    expect(() => resolveInstanceConfig({ adminUiPasswordHash: hash.replace('$04$', '$31$') })).toThrow(/not a bcrypt hash/)
    expect(resolveInstanceConfig({})).toMatchObject({ adminUiReadonly: true, adminUiMode: 'production', adminUiLoginsPerSecond: 5 })
  })
})

describe('adminLogin', () => {
  const hash = bcrypt.hashSync(SECRET, 4)

  it('accepts instructor + the password, or a known session id', async () => {
    const store = new MemorySessionStore()
    expect(await adminLogin({ username: 'instructor', password: SECRET }, hash, store)).toBe('password')
    store.saveSession('0123456789abcdef')
    expect(await adminLogin({ sessionId: '0123456789abcdef' }, hash, store)).toBe('session')
  })

  it('refuses anything else, without throwing', async () => {
    const store = new MemorySessionStore()
    const refused: unknown[] = [
      undefined,
      null,
      {},
      'instructor',
      { username: 'instructor', password: 'wrong' },
      { username: 'admin', password: SECRET },
      { username: 'instructor', password: 42 },
      { username: 'instructor', password: '' },
      { username: 'instructor', password: SECRET, extra: 1 },
      { username: 'instructor', password: 'x'.repeat(513) },
      { sessionId: '0123456789abcdef' },
      { sessionId: '../../etc' },
      { sessionId: ['0123456789abcdef'] },
    ]
    for (const auth of refused) expect(await adminLogin(auth, hash, store), JSON.stringify(auth)).toBeNull()
  })
})

describe('MemorySessionStore', () => {
  it('forgets a session after ADMIN_SESSION_SECONDS', async () => {
    let now = 1_000
    const store = new MemorySessionStore(() => now)
    store.saveSession('aaaaaaaaaaaaaaaa')
    now += ADMIN_SESSION_SECONDS * 1000 - 1
    expect(await store.doesSessionExist('aaaaaaaaaaaaaaaa')).toBe(true)
    now += 1
    expect(await store.doesSessionExist('aaaaaaaaaaaaaaaa')).toBe(false)
    expect(store.size).toBe(0)
  })

  it(`keeps at most ${MAX_MEMORY_SESSIONS} sessions, forgetting the oldest`, async () => {
    const store = new MemorySessionStore()
    const ids = Array.from({ length: MAX_MEMORY_SESSIONS + 10 }, (_, index) => index.toString(16).padStart(16, '0'))
    for (const id of ids) store.saveSession(id)
    expect(store.size).toBe(MAX_MEMORY_SESSIONS)
    expect(await store.doesSessionExist(ids[0] ?? '')).toBe(false)
    expect(await store.doesSessionExist(ids.at(-1) ?? '')).toBe(true)
  })
})

describe('LeanEventBuffer', () => {
  it('counts per second and type, like the package, and empties on read', () => {
    let now = 5_200
    const buffer = new LeanEventBuffer(() => now)
    buffer.push('packetsOut')
    buffer.push('bytesOut', undefined, 40)
    buffer.push('packetsOut')
    buffer.push('rawDisconnection', 'transport close')
    now = 6_100
    buffer.push('packetsOut')
    expect(buffer.getValuesAndClear()).toEqual([
      { timestamp: 5_000, type: 'packetsOut', subType: undefined, count: 2 },
      { timestamp: 5_000, type: 'bytesOut', subType: undefined, count: 40 },
      { timestamp: 5_000, type: 'rawDisconnection', subType: 'transport close', count: 1 },
      { timestamp: 6_000, type: 'packetsOut', subType: undefined, count: 1 },
    ])
    expect(buffer.getValuesAndClear()).toEqual([])
  })

  it('keeps a bounded number of kinds per second', () => {
    const buffer = new LeanEventBuffer(() => 1_000)
    for (let index = 0; index < 100; index += 1) buffer.push('rawDisconnection', `reason ${index}`)
    expect(buffer.getValuesAndClear().length).toBeLessThanOrEqual(32)
  })
})
