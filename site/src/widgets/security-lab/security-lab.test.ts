// @vitest-environment happy-dom
// @vitest-environment-options { "settings": { "disableIframePageLoading": true } }
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createFakeConnector, type FakeConnector } from '../../sandbox/fake-connector.ts'
import { createSpaceState } from '../../sandbox/space.ts'
import { MARKUP } from './action-attacks.ts'
import { ATTACK_LIST, mountSecurityLab, type SecurityLab, type SecurityLabOptions } from './index.ts'
import { forgeTokens, describeToken } from './jwt.ts'
import { createLogBuffer, formatLogLine } from './logs.ts'
import { combine, moved } from './stats.ts'

const $ = <T extends Element = HTMLElement>(root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as T
const $$ = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)]

let widget: SecurityLab | undefined
afterEach(() => {
  widget?.destroy()
  document.body.replaceChildren()
})

async function setup(platform: SecurityLabOptions['platform'] = {}, fake: FakeConnector = createFakeConnector()) {
  const root = document.createElement('section')
  document.body.append(root)
  widget = mountSecurityLab(root, {
    connector: fake,
    secure: fake,
    space: createSpaceState('aaaaaa'),
    platform,
    healthIntervalMs: 0,
    observerWaitMs: 200,
    panelIntervalMs: 0,
    graceMs: 0,
  })
  await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
  return { root, fake }
}

/** Clicks an attack and waits for its card to show the answers; returns the codes. */
async function attack(root: HTMLElement, id: string): Promise<string[]> {
  $(root, `lab-btn-${id}`).click()
  await vi.waitFor(() => expect($(root, `lab-attack-${id}`).dataset.state).toBe('done'), { timeout: 8000 })
  return $$(root, `lab-code-${id}`).map((c) => c.textContent ?? '')
}

describe('security lab', () => {
  it('has one button per attack, named as lesson 4 names them', async () => {
    const lesson = readFileSync(join(process.cwd(), 'lessons/04-security-monitoring/index.mdx'), 'utf8')
    const { root } = await setup()
    const labels = ATTACK_LIST.map((a) => $(root, `lab-btn-${a.id}`).textContent)
    expect(labels).toEqual(ATTACK_LIST.map((a) => a.label))
    for (const label of labels) expect(lesson).toContain(`**${label}**`)
  })

  it('refuses each bad token at the handshake with its code, and counts the refusal', async () => {
    const { root } = await setup()
    expect(await attack(root, 'no-token')).toEqual(['TOKEN_MISSING'])
    expect($(root, 'lab-metric-no-token').textContent).toContain('Rejected handshakes (your space): 0 -> 1')
    expect($(root, 'lab-log-no-token').textContent).toContain('No log line about your space')
    expect(await attack(root, 'forged')).toEqual(['TOKEN_INVALID_SIGNATURE', 'TOKEN_ALG_NONE'])
    expect(await attack(root, 'expired')).toEqual(['TOKEN_EXPIRED'])
    expect(await attack(root, 'other-space')).toEqual(['TOKEN_WRONG_AUDIENCE'])
  })

  it('answers forbidden room and event with FORBIDDEN while the learner stays connected', async () => {
    const { root } = await setup()
    expect(await attack(root, 'learner')).toEqual(['CONNECTED'])
    expect($(root, 'lab-result-learner').textContent).toContain('as Ada (learner)')
    expect(await attack(root, 'forbidden-room')).toEqual(['FORBIDDEN'])
    expect($(root, 'lab-result-forbidden-room').textContent).toContain('still connected')
    expect(await attack(root, 'forbidden-event')).toEqual(['FORBIDDEN'])
  })

  it('gives three sockets of one user on three instances ONE budget', async () => {
    const { root } = await setup()
    const codes = await attack(root, 'flood-three')
    expect(codes).toHaveLength(4)
    expect(codes.at(-1)).toBe('RATE_LIMITED')
    const total = $$(root, 'lab-code-flood-three').at(-1)?.parentElement?.textContent ?? ''
    expect(total).toMatch(/\b20 OK, 100 RATE_LIMITED/)
    expect($(root, 'lab-result-flood-three').textContent).toMatch(/socket 1 on i1.*socket 2 on i2.*socket 3 on i3/s)
  })

  it('shows markup from a message as text', async () => {
    const { root } = await setup()
    expect(await attack(root, 'markup')).toEqual(['OK'])
    expect($(root, 'lab-result-markup').textContent).toContain(`shows as text: ${MARKUP}`)
    expect(root.querySelector('img')).toBeNull()
  })

  it('sends an oversized packet on both transports and shows maxHttpBufferSize', async () => {
    const posts: string[] = []
    const openWebSocket = (url: string) => {
      const ws = Object.assign(new EventTarget(), {
        url,
        send: () => ws.dispatchEvent(Object.assign(new Event('close'), { code: 1009, reason: '' })),
        close: () => undefined,
      })
      setTimeout(() => ws.dispatchEvent(new Event('message')), 0)
      return ws as unknown as WebSocket
    }
    const fetchStub: typeof fetch = async (input, init) => {
      if (init?.method === 'POST') posts.push(String(input))
      return init?.method === 'POST' ? new Response('', { status: 413 }) : new Response('0{"sid":"abc","upgrades":[]}')
    }
    const { root } = await setup({ openWebSocket, fetch: fetchStub })
    expect(await attack(root, 'oversized')).toEqual(['maxHttpBufferSize', '1009', '413'])
    expect($(root, 'lab-result-oversized').textContent).toMatch(/\d+ bytes/)
    expect(posts).toEqual(['http://localhost:4001/socket.io/?EIO=4&transport=polling&space=aaaaaa&sid=abc'])
  })

  it('embeds the attacker page and keeps only its reports (origin, frame and shape checked)', async () => {
    const target = new EventTarget()
    const { root } = await setup({ window: target })
    $(root, 'lab-btn-cross-origin').click()
    await vi.waitFor(() => expect(root.querySelector('iframe')).not.toBeNull())
    const frame = root.querySelector('iframe')!
    expect(frame.getAttribute('src')).toBe('http://localhost:4322/?port=4001&space=aaaaaa')
    const post = (origin: string, data: unknown) =>
      target.dispatchEvent(new MessageEvent('message', { origin, data, source: frame.contentWindow }))
    post('http://evil.example', { source: 'rtwb-attacker', attack: 'polling-handshake', outcome: 'succeeded', detail: 'forged' })
    post('http://localhost:4322', { source: 'rtwb-attacker', attack: 'nonsense' })
    for (const attack of ['polling-handshake', 'websocket-handshake', 'simple-post', 'json-post', 'token-simple-post', 'token-json-post']) {
      post('http://localhost:4322', {
        source: 'rtwb-attacker',
        attack,
        outcome: attack.includes('simple') ? 'opaque' : 'refused',
        detail: 'closed',
      })
    }
    await vi.waitFor(() => expect($(root, 'lab-attack-cross-origin').dataset.state).toBe('done'))
    expect($$(root, 'lab-code-cross-origin').map((c) => c.textContent)).toEqual([
      'refused',
      'refused',
      'opaque',
      'refused',
      'opaque',
      'refused',
    ])
  })

  it('fills the monitoring panel and can be paused from the keyboard', async () => {
    const { root } = await setup()
    await attack(root, 'no-token')
    await vi.waitFor(() => expect($(root, 'lab-row-rejected').textContent).toContain('1'))
    expect($(root, 'lab-panel-status').textContent).toContain('3 of 3 instances answered')
    expect(root.querySelectorAll('[data-testid="lab-row-rejected"] polyline')).toHaveLength(2)
    const pause = $(root, 'lab-pause')
    pause.click()
    expect(pause.getAttribute('aria-pressed')).toBe('true')
  })

  it('clears the previous space’s results, log lines and figures when the space changes', async () => {
    const fake = createFakeConnector()
    const space = createSpaceState('aaaaaa')
    const root = document.createElement('section')
    document.body.append(root)
    const opts = { connector: fake, secure: fake, space, healthIntervalMs: 0, observerWaitMs: 200, panelIntervalMs: 0 }
    widget = mountSecurityLab(root, { ...opts, graceMs: 0 })
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    expect(await attack(root, 'no-token')).toEqual(['TOKEN_MISSING'])
    const spaceCell = () => $(root, 'lab-row-rejected').querySelectorAll('td')[0]!
    await vi.waitFor(() => expect(spaceCell().textContent).toBe('1'))
    space.set('bbbbbb')
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    const card = $(root, 'lab-attack-no-token')
    expect(card.dataset.state).toBe('idle')
    expect(card.dataset.codes).toBeUndefined()
    expect($(root, 'lab-result-no-token').hidden).toBe(true)
    expect($(root, 'lab-result-no-token').textContent).toBe('')
    // The new space's own figures, with a history that starts now (one point, not the old minute).
    await vi.waitFor(() => expect(spaceCell().textContent).toBe('0'))
    expect(spaceCell().querySelector('polyline')?.getAttribute('points')?.split(' ')).toHaveLength(1)
    expect(await attack(root, 'no-token')).toEqual(['TOKEN_MISSING'])
    expect($(root, 'lab-metric-no-token').textContent).toContain('Rejected handshakes (your space): 0 -> 1')
  })

  it('drops a run that was under way when the space changed', async () => {
    const fake = createFakeConnector()
    const space = createSpaceState('aaaaaa')
    const root = document.createElement('section')
    document.body.append(root)
    widget = mountSecurityLab(root, { connector: fake, secure: fake, space, healthIntervalMs: 0, observerWaitMs: 200, graceMs: 150 })
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    $(root, 'lab-btn-no-token').click()
    expect($(root, 'lab-attack-no-token').dataset.state).toBe('running')
    space.set('bbbbbb')
    await vi.waitFor(() => expect(root.dataset.state).toBe('ready'))
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect($(root, 'lab-attack-no-token').dataset.state).toBe('idle')
    expect($(root, 'lab-result-no-token').hidden).toBe(true)
    expect($(root, 'lab-btn-no-token').getAttribute('aria-disabled')).toBe('false')
  })
})

describe('lab helpers', () => {
  it('forges tokens that read as edited claims', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoibGVhcm5lciIsIm5hbWUiOiJBZGEifQ.c2lnbmF0dXJl'
    const { edited, algNone } = forgeTokens(token)
    expect(describeToken(edited)).toBe('header {"alg":"HS256"} · payload {"role":"moderator","name":"Ada"} · signature (12 characters)')
    expect(describeToken(algNone)).toBe('header {"alg":"none","typ":"JWT"} · payload {"role":"moderator","name":"Ada"} · no signature')
    expect(describeToken('x')).toBe('not a JWT (1 characters)')
  })

  it('formats and keeps only log lines', () => {
    let t = 0
    const logs = createLogBuffer(() => t++)
    logs.add({ kind: 'log', at: 1, instance: 'i1', level: 'warn', msg: 'handshake refused', code: 'TOKEN_MISSING' })
    logs.add({ kind: 'outage', at: 1, instance: 'i1', namespace: '/with-redis', down: true })
    expect(logs.since(0).map(formatLogLine)).toEqual(['warn i1 handshake refused code=TOKEN_MISSING'])
    logs.clear()
    expect(logs.since(0)).toEqual([])
  })

  it('sums the instances and lists what moved', () => {
    const stats = (rejected: number) => ({
      instance: 'i1',
      space: 'aaaaaa',
      windowSeconds: 5,
      connections: 1,
      eventsInPerSecond: 0,
      eventsOutPerSecond: 0,
      ackP50Ms: null,
      ackP99Ms: 2,
      rejectedHandshakes: rejected,
      rateLimited: 0,
      oversizedPackets: 0,
      instanceTotals: {
        connections: 3,
        eventsInPerSecond: 2,
        eventsOutPerSecond: 6,
        ackP50Ms: 1,
        ackP99Ms: 4,
        rejectedHandshakes: rejected,
        rateLimited: 0,
        oversizedPackets: 0,
      },
    })
    const before = { ...combine([stats(0), stats(0)]), answered: 2, of: 2 }
    const after = { ...combine([stats(1), stats(0)]), answered: 2, of: 2 }
    expect(after.space.ackP99).toBe(2)
    // The cluster column: each instance's own figures, rates summed, the worst instance's ack times.
    expect(after.space.connections).toBe(2)
    expect(after.cluster).toMatchObject({ connections: 6, eventsIn: 4, eventsOut: 12, ackP50: 1, ackP99: 4, rejected: 1 })
    expect(moved(before, after)).toEqual(['Rejected handshakes (your space): 0 -> 1', 'Rejected handshakes (cluster): 0 -> 1'])
  })
})
