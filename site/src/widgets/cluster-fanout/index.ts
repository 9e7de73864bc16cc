/**
 * Cluster fan-out (lesson 3): two lanes of real clients on the three instances, Adapter ON
 * (`/with-redis`) and Adapter OFF (`/without-redis`); the path of each message animated from the
 * trace, the Redis traffic, fetchSockets()/serverSideEmit(), the Redis emitter, sticky sessions
 * and a simulated Redis outage for this space. UI only; all text goes through textContent.
 *
 * `cf-send-from` values are `<label>@<namespace>`, e.g. `A@/with-redis`.
 */
import { isErrorAck, type ResolvedDirectory, type SandboxClient, type SandboxConnector, type SandboxInstance, type SandboxObserver } from '../../sandbox/connector.ts'
import { h, uid } from '../../sandbox/dom.ts'
import { type ClusterNamespace, type HealthBody, type TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import { createSpaceBar } from '../../sandbox/space-bar.ts'
import { sharedSpace, type SpaceState } from '../../sandbox/space.ts'
import { createRedisPanel } from './redis-panel.ts'
import { createStickyPanel } from './sticky.ts'
import { createTopology, type Topology } from './topology.ts'
import { btn, para as p } from './ui.ts'

export interface ClusterFanoutOptions {
  connector: SandboxConnector | (() => Promise<SandboxConnector>)
  space?: SpaceState
  /** For the emitter and the sticky sessions panel (default: the page's fetch). */
  fetch?: typeof fetch
  connectTimeoutMs?: number
  healthIntervalMs?: number
  observerWaitMs?: number
  /** Delay between the stages of a message's path (sender, Redis, other instances, clients). */
  stageMs?: number
}

export interface ClusterFanout {
  destroy(): void
}

const CALLS = ['io.emit', 'socket.broadcast.emit', 'socket.to(room).emit', 'io.to(room).emit', 'io.to(socketId).emit'] as const
type Call = (typeof CALLS)[number]
const LABELS = 'ABCDEF'
const MAX_RECEIVED = 8

interface CfClient {
  label: string
  instance: SandboxInstance
  client: SandboxClient
  socketId: string
  status: 'connecting' | 'connected' | 'error'
  rooms: string[]
  el: HTMLLIElement
  lane: Lane
}

interface Lane {
  ns: ClusterNamespace
  clients: CfClient[]
  topo: Topology
  cards: HTMLUListElement
  add: HTMLButtonElement
  ask: HTMLSelectElement
  result: HTMLElement
  current: string
  seen: Set<string>
  counts: Map<string, number>
  t0: number
  callInstance: string
}

export function mountClusterFanout(root: HTMLElement, options: ClusterFanoutOptions): ClusterFanout {
  const space = options.space ?? sharedSpace()
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const stageMs = options.stageMs ?? 350
  const healthIntervalMs = options.healthIntervalMs ?? 5000
  let connector: SandboxConnector | null = typeof options.connector === 'function' ? null : options.connector
  let dir: ResolvedDirectory | null = null
  let health = new Map<string, HealthBody | null>()
  let observers = new Map<string, SandboxObserver>()
  let outage = new Map<string, boolean>()
  let run = 0
  let pollTimer: ReturnType<typeof setInterval> | undefined
  const reducedMotion = () => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches

  const spaceBar = createSpaceBar(space)
  const banner = (id: string, text: string) => h('p', { class: 'cf-banner', 'data-testid': id, role: 'note', hidden: true, text })
  const bannerLocal = banner('cf-banner-local', 'No Redis: the Adapter ON lane stays on one instance too. Start Redis, then restart npm start.')
  const bannerDown = banner('cf-banner-redis-down', 'Redis is down (for real): messages only reach clients on the sender\u2019s instance.')
  const connecting = h('p', { class: 'cf-panel', 'data-testid': 'cf-connecting', role: 'status', text: 'Connecting to the sandbox…' })
  const offlineText = h('p', { role: 'status' })
  const offline = h('div', { class: 'cf-panel cf-offline', 'data-testid': 'cf-offline', hidden: true }, offlineText,
    btn('Retry', () => start(), 'cf-retry', ' cf-primary'))

  // ---- lanes -----------------------------------------------------------------------------------
  const lanes: Lane[] = []
  const laneOf = (ns: string) => lanes.find((l) => l.ns === ns)
  const findClient = (value: string) => {
    const [label, ns] = value.split('@')
    return laneOf(ns ?? '')?.clients.find((c) => c.label === label)
  }
  const labelOf = (socketId: string) => lanes[0]?.clients.find((c) => c.socketId === socketId)?.label

  function makeLane(ns: ClusterNamespace, title: string): HTMLElement {
    const on = ns === '/with-redis'
    const select = h('select', { 'data-testid': 'cf-new-instance' }, ...[1, 2, 3].map((n) => h('option', { value: String(n), text: `i${n}` })))
    const add = h('button', { type: 'submit', class: 'cf-btn', 'data-testid': 'cf-add-client', text: 'Add client' })
    const ask = h('select', { 'data-testid': 'cf-ask-from' })
    const result = h('div', { class: 'cf-result' })
    const lane: Lane = {
      ns, clients: [], add, ask, result, current: '', seen: new Set(), counts: new Map(), t0: 0, callInstance: '',
      topo: createTopology({ redis: on, reducedMotion, title: `${title}: clients, instances, Redis` }),
      cards: h('ul', { class: 'cf-cards', 'aria-label': `Clients of ${ns}` }),
    }
    lanes.push(lane)
    const cluster = (event: 'cluster:fetch-sockets' | 'cluster:server-side-emit') => async () => {
      const c = lane.clients.find((x) => x.label === ask.value)
      if (!c || c.status !== 'connected') return result.replaceChildren(p('cf-hint', 'Add a connected client first.'))
      const ack = await c.client.request(event, {})
      const from = `From ${c.label} on ${c.instance.id}: `
      if (isErrorAck(ack)) return result.replaceChildren(p('cf-err', `${ack.error.code}: ${ack.error.message}`))
      if ('sockets' in ack) {
        result.replaceChildren(h('table', { class: 'cf-table', 'data-testid': 'cf-fetch-result' },
          h('caption', { text: `${from}fetchSockets() found ${ack.sockets.length} socket(s)` }),
          h('tr', {}, ...['socket', 'label', 'instance', 'rooms'].map((t) => h('th', { text: t }))),
          ...ack.sockets.map((s) => h('tr', {}, ...[s.socketId.slice(0, 8), s.label, s.instance, s.rooms.join(', ') || '—'].map((t) => h('td', { text: t }))))))
      } else if ('answers' in ack) {
        result.replaceChildren(h('p', { 'data-testid': 'cf-sse-result',
          text: `${from}serverSideEmit("census") answered by ${ack.answers.map((a) => `${a.instance} (${a.sockets} local sockets)`).join(', ')}` }))
      }
      if (!on) result.append(p('cf-hint', 'In-memory adapter: only the local instance answers; it has nobody to ask.'))
    }
    return h('section', { class: `cf-lane ${on ? 'cf-on' : 'cf-off'}`, 'data-testid': 'cf-lane', 'data-namespace': ns, 'aria-label': title },
      h('h4', {}, title, ' ', h('code', { text: ns })),
      lane.topo.el,
      p('cf-hint', 'Badge: sockets that instance wrote the last message to.'),
      h('form', { class: 'cf-row', onsubmit: (e: Event) => {
        e.preventDefault()
        const inst = dir?.instances[Number(select.value) - 1]
        if (inst) addClient(lane, inst)
      } }, h('label', {}, 'Instance ', select), add),
      lane.cards,
      h('div', { class: 'cf-row' }, h('label', {}, 'As ', ask),
        btn('fetchSockets()', cluster('cluster:fetch-sockets'), 'cf-fetch-sockets'),
        btn('serverSideEmit()', cluster('cluster:server-side-emit'), 'cf-server-side-emit')),
      result)
  }
  const lanesEl = h('div', { class: 'cf-lanes' }, makeLane('/with-redis', 'Adapter ON'), makeLane('/without-redis', 'Adapter OFF'))

  function addClient(lane: Lane, instance: SandboxInstance, label?: string) {
    if (!connector || lane.clients.length >= LABELS.length) return
    const used = new Set(lane.clients.map((c) => c.label))
    const name = label ?? [...LABELS].find((l) => !used.has(l)) ?? 'Z'
    const client = connector.connectClient({ instance, namespace: lane.ns, label: name, space: space.current() })
    const status = h('span', { class: 'cf-status', text: 'connecting' })
    const sock = h('code', { text: '…' })
    const rooms = h('span', { class: 'cf-rooms' })
    const err = h('p', { class: 'cf-err' })
    const received = h('ol', { class: 'cf-received' })
    const c: CfClient = {
      label: name, instance, client, socketId: '', status: 'connecting', rooms: [], lane,
      el: h('li', { class: 'cf-card', 'data-testid': 'cf-client', 'data-label': name, 'data-instance': instance.id, 'data-status': 'connecting' },
        h('div', { class: 'cf-row' }, h('strong', { text: name }), ` on ${instance.id} · `, sock, status,
          h('button', { type: 'button', class: 'cf-x', 'aria-label': `Remove client ${name}`, text: '×', onclick: () => {
            client.close()
            c.el.remove()
            lane.clients = lane.clients.filter((x) => x !== c)
            changed()
          } })),
        h('p', { class: 'cf-row' }, rooms, ...['paris', 'lyon', 'marseille'].map((r) => btn(`+${r}`, () => room('room:join', r)))),
        err, received),
    }
    const setStatus = (s: CfClient['status'], text: string = s) => {
      c.status = s
      c.el.dataset.status = s
      status.textContent = text
      status.className = `cf-status cf-s-${s}`
    }
    const renderRooms = () => rooms.replaceChildren(...c.rooms.map((r) => h('span', { class: 'cf-chip' }, r,
      h('button', { type: 'button', class: 'cf-x', 'aria-label': `${name}: leave ${r}`, text: '×', onclick: () => void room('room:leave', r) }))))
    async function room(event: 'room:join' | 'room:leave', r: string) {
      const ack = await client.request(event, { room: r })
      if (isErrorAck(ack)) return void (err.textContent = `${ack.error.code}: ${ack.error.message}`)
      err.textContent = ''
      c.rooms = ack.rooms.filter((x) => x !== c.socketId)
      renderRooms()
      changed()
    }
    client.on('hello', (hello) => {
      c.socketId = hello.socketId
      sock.textContent = hello.socketId.slice(0, 6)
      c.rooms = []
      renderRooms()
      setStatus('connected')
      changed()
    })
    client.on('connect_error', (f) => {
      setStatus('error', f.code)
      err.textContent = `${f.code}: ${f.message}`
      changed()
    })
    client.on('disconnect', ({ reason }) => reason !== 'io client disconnect' && setStatus('connecting', 'reconnecting…'))
    client.on('message', (m) => {
      received.prepend(h('li', { 'data-testid': 'cf-received-item', 'data-trace': m.traceId }, h('code', { text: m.call }), ` from ${m.from}: `, h('span', { text: m.text })))
      while (received.children.length > MAX_RECEIVED) received.lastElementChild?.remove()
    })
    lane.clients.push(c)
    lane.clients.sort((a, b) => a.label.localeCompare(b.label))
    lane.cards.insertBefore(c.el, lane.clients[lane.clients.indexOf(c) + 1]?.el ?? null)
    changed()
  }

  const setup = btn('3 clients per lane, one per instance', () => {
    for (const lane of lanes) {
      for (const c of lane.clients) c.client.close()
      lane.clients = []
      lane.cards.replaceChildren()
      dir?.instances.slice(0, 3).forEach((inst, n) => addClient(lane, inst, LABELS[n]))
    }
  }, 'cf-setup', ' cf-primary')

  // ---- send ------------------------------------------------------------------------------------
  const from = h('select', { 'data-testid': 'cf-send-from', onchange: () => renderSend() })
  const callName = uid('cf-call')
  const callInputs = CALLS.map((call, n) =>
    h('input', { type: 'radio', name: callName, value: call, checked: n === 0, 'data-testid': 'cf-send-call', onchange: () => renderSend() }))
  const roomInput = h('input', { 'data-testid': 'cf-send-room', size: 8, maxlength: 16, autocomplete: 'off', value: 'paris' })
  const roomField = h('label', { class: 'cf-row' }, 'Room ', roomInput)
  const target = h('select', { 'data-testid': 'cf-send-target' })
  const targetField = h('label', { class: 'cf-row' }, 'To socket of ', target)
  const text = h('input', { class: 'cf-grow', 'data-testid': 'cf-send-text', maxlength: 280, autocomplete: 'off', value: 'hello' })
  const sendResult = h('p', { class: 'cf-hint', 'data-testid': 'cf-send-result', 'aria-live': 'polite' })
  const selectedCall = () => (callInputs.find((i) => i.checked)?.value ?? 'io.emit') as Call
  function renderSend() {
    const call = selectedCall()
    roomField.hidden = !call.includes('(room)')
    targetField.hidden = call !== 'io.to(socketId).emit'
    const sender = findClient(from.value)
    fill(target, (sender?.lane.clients ?? []).filter((c) => c !== sender))
  }
  async function send() {
    const sender = findClient(from.value)
    const call = selectedCall()
    const to = sender?.lane.clients.find((c) => c.label === target.value)
    const room = roomInput.value.trim()
    // The server validates the rest (room names, empty text) and its error acks are shown as they are.
    if (!sender) return void (sendResult.textContent = 'Add a client first.')
    const ack = call === 'io.to(socketId).emit'
      ? await sender.client.request('cluster:direct', { to: to?.socketId ?? '', text: text.value })
      : await sender.client.request('send', { call, rooms: call.includes('(room)') ? [room] : [], text: text.value })
    sendResult.textContent = isErrorAck(ack) ? `${ack.error.code}: ${ack.error.message}` : `Sent (trace ${ack.traceId}).`
  }
  const sendForm = h('form', { class: 'cf-box', onsubmit: (e: Event) => { e.preventDefault(); void send() } },
    h('h4', { text: 'Send' }),
    h('label', { class: 'cf-row' }, 'From ', from),
    h('fieldset', { class: 'cf-calls' }, h('legend', { text: 'Call (runs on the sender\u2019s instance)' }),
      ...callInputs.map((i) => h('label', {}, i, ' ', h('code', { text: i.value })))),
    roomField, targetField,
    h('p', { class: 'cf-row' }, h('label', { class: 'cf-row cf-grow' }, 'Text ', text), h('button', { type: 'submit', class: 'cf-btn cf-primary', 'data-testid': 'cf-send', text: 'Send' })),
    sendResult)

  /** Options for clients (`label`, or `label@namespace` with `ns`), keeping the selection. */
  function fill(select: HTMLSelectElement, clients: CfClient[], ns?: boolean) {
    const keep = select.value
    select.replaceChildren(...clients.map((c) => h('option', { value: ns ? `${c.label}@${c.lane.ns}` : c.label, text: `${c.label} on ${c.instance.id}${ns ? `, ${c.lane.ns}` : ''}` })))
    if (clients.length) select.value = keep
    if (!select.value) select.selectedIndex = 0
  }

  function changed() {
    fill(from, lanes.flatMap((l) => l.clients), true)
    for (const lane of lanes) {
      fill(lane.ask, lane.clients)
      lane.add.disabled = lane.clients.length >= LABELS.length
      renderTopo(lane)
    }
    renderSend()
  }

  // ---- emitter, outage ---------------------------------------------------------------------------
  const emitterRoom = h('input', { 'data-testid': 'cf-emitter-room', maxlength: 16, size: 7, placeholder: '(all)' })
  // The emitter sends the send form's text.
  const emitterButton = btn('Send from the emitter', async () => {
    const room = emitterRoom.value.trim()
    const body = { space: space.current(), text: text.value || 'hello', ...(room ? { room } : {}) }
    emitterResult.textContent = 'Posting…'
    try {
      const res = await doFetch(`${dir?.emitter?.base}/emit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) })
      const answer = (await res.json()) as { ok?: true; line?: string; traceId?: string; error?: { code: string; message: string } }
      emitterResult.replaceChildren(...(answer.ok
        ? ['The emitter ran ', h('code', { text: answer.line ?? '' }), ` (trace ${answer.traceId}).`]
        : [`${res.status} ${answer.error?.code}: ${answer.error?.message}`]))
    } catch (error) {
      emitterResult.textContent = `No answer from the emitter: ${(error as Error).message}`
    }
  }, 'cf-emitter', ' cf-primary')
  const emitterResult = h('p', { class: 'cf-hint', 'data-testid': 'cf-emitter-result', 'aria-live': 'polite' })
  const emitterNote = p('cf-hint', 'No emitter in this cluster: it needs Redis.')
  const emitterBox = h('section', { class: 'cf-box' },
    h('h4', { text: 'Redis emitter: send from a worker process, not a Socket.IO server' }),
    h('p', { class: 'cf-row' }, h('label', {}, 'Room ', emitterRoom), emitterButton), emitterNote, emitterResult)

  const outageButton = btn('', async () => {
    const down = !isOutage()
    outageButton.disabled = true
    const acks = await Promise.all([...observers.values()].map(async (o) => [o.instance.id, await o.simulateOutage(down)] as const))
    outageButton.disabled = false
    outageResult.textContent = ''
    for (const [id, ack] of acks) {
      if (isErrorAck(ack)) outageResult.textContent = `${id}: ${ack.error.code}: ${ack.error.message}`
      else outage.set(id, down)
    }
    renderOutage()
  }, 'cf-outage-toggle')
  const outageResult = h('p', { class: 'cf-err', 'aria-live': 'polite' })
  const isOutage = () => [...outage.values()].some(Boolean)
  function renderOutage() {
    const down = isOutage()
    root.dataset.outage = String(down)
    outageButton.setAttribute('aria-pressed', String(down))
    outageButton.textContent = down ? 'Redis back' : 'Stop Redis (simulation)'
    lanes[0]?.topo.setRedis(down ? 'cut' : 'up')
  }

  const redisPanel = createRedisPanel(labelOf)
  const sticky = createStickyPanel(() => dir?.instances ?? [], doFetch)
  const main = h('div', { class: 'cf-main', hidden: true },
    setup,
    lanesEl, sendForm, redisPanel.el,
    h('section', { class: 'cf-box' }, h('h4', { text: 'Redis outage (only your space)' }),
      h('p', { class: 'cf-row' }, outageButton, h('span', { class: 'cf-hint', text: 'Pub/sub is at most once: what is sent while Redis is down is lost, never replayed.' })), outageResult),
    emitterBox, sticky)

  root.classList.add('cf', 'rtwb-widget', 'not-content')
  root.dataset.testid = 'cluster-fanout'
  root.replaceChildren(h('h3', { text: 'Cluster fan-out' }), spaceBar.el, bannerLocal, bannerDown, connecting, offline, main)

  // ---- trace -> topology ------------------------------------------------------------------------
  function renderTopo(lane: Lane) {
    lane.topo.render((dir?.instances ?? []).map((i) => ({ id: i.id, up: Boolean(health.get(i.id)) })),
      lane.clients.map((c) => ({ label: c.label, instance: c.instance.id })), lane.ns === '/with-redis' && Boolean(dir?.emitter))
    for (const [id, n] of lane.counts) lane.topo.setCount(id, n)
    if (lane.ns === '/with-redis') renderOutage()
  }
  /** Makes `traceId` the lane's current message (resets the counts); false for an older one. */
  function track(lane: Lane, traceId: string): boolean {
    if (lane.current === traceId) return true
    if (lane.seen.has(traceId)) return false
    lane.seen.add(traceId)
    lane.current = traceId
    lane.t0 = Date.now()
    lane.callInstance = ''
    lane.counts = new Map((dir?.instances ?? []).map((i) => [i.id, 0]))
    for (const i of dir?.instances ?? []) lane.topo.setCount(i.id, 0)
    return true
  }
  const later = (lane: Lane, stage: number) => Math.max(0, lane.t0 + stage * stageMs - Date.now())

  function onTrace(ev: TraceEvent) {
    if (ev.kind === 'outage') {
      outage.set(ev.instance, ev.down)
      return renderOutage()
    }
    if (ev.kind === 'log') return
    const lane = laneOf(ev.namespace)
    if (!lane) return
    if (ev.kind === 'redis') {
      redisPanel.add(ev)
      if (ev.type !== 'broadcast' || !ev.traceId || !track(lane, ev.traceId)) return
      if (ev.publishedBy === ev.instance) lane.topo.pulse(`i:${ev.instance}`, 'r', later(lane, 1))
      else {
        if (ev.publishedBy === 'emitter' && !lane.callInstance) {
          lane.callInstance = 'emitter'
          lane.topo.pulse('e', 'r', later(lane, 1))
        }
        lane.topo.pulse('r', `i:${ev.instance}`, later(lane, 2))
      }
    } else if (ev.kind === 'call') {
      if (!track(lane, ev.traceId)) return
      lane.callInstance = ev.instance
      lane.topo.pulse(`c:${ev.label}`, `i:${ev.instance}`, 0)
    } else if (ev.kind === 'delivery') {
      if (!track(lane, ev.traceId)) return
      const n = (lane.counts.get(ev.instance) ?? 0) + ev.recipients.length
      lane.counts.set(ev.instance, n)
      lane.topo.setCount(ev.instance, n)
      for (const r of ev.recipients) lane.topo.pulse(`i:${ev.instance}`, `c:${r.label}`, later(lane, ev.instance === lane.callInstance ? 1 : 3))
    }
  }

  // ---- lifecycle (same shape as the room playground) ---------------------------------------------
  function setState(state: 'connecting' | 'offline' | 'ready') {
    root.dataset.state = state
    connecting.hidden = state !== 'connecting'
    offline.hidden = state !== 'offline'
    main.hidden = state !== 'ready'
    if (state !== 'ready') clearInterval(pollTimer)
  }

  async function pollHealth(current: number): Promise<boolean> {
    const list = dir?.instances ?? []
    const bodies = await Promise.all(list.map((i) => connector?.health(i).catch(() => null)))
    if (current !== run) return false
    health = new Map(list.map((i, n) => [i.id, bodies[n] ?? null]))
    bannerLocal.hidden = !(dir?.fanout === 'local-only' || bodies.some((b) => b?.fanout === 'local-only'))
    bannerDown.hidden = !bannerLocal.hidden || !bodies.some((b) => b?.redis === 'down')
    emitterButton.disabled = !dir?.emitter
    emitterNote.hidden = !emitterButton.disabled
    for (const lane of lanes) renderTopo(lane)
    return bodies.some(Boolean)
  }

  function openObservers(current: number): Promise<unknown> {
    const waits: Promise<void>[] = []
    for (const inst of dir?.instances ?? []) {
      if (!connector || observers.has(inst.id) || !health.get(inst.id)) continue
      const obs = connector.observe({ instance: inst, space: space.current() })
      observers.set(inst.id, obs)
      waits.push(new Promise<void>((resolve) => {
        obs.on('hello', () => resolve())
        obs.on('connect_error', () => resolve())
      }))
      obs.on('trace', (ev) => current === run && onTrace(ev))
    }
    return Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, options.observerWaitMs ?? 2000))])
  }

  function teardown() {
    for (const o of observers.values()) o.close()
    observers = new Map()
    outage = new Map()
    for (const lane of lanes) {
      for (const c of lane.clients) c.client.close()
      lane.clients = []
      lane.cards.replaceChildren()
      lane.result.replaceChildren()
    }
  }

  function showOffline() {
    offlineText.textContent = `The sandbox cluster isn't running (tried ports ${dir?.instances.map((i) => i.port).join(', ') ?? '4001-4003'}). Run npm install && npm start in the project folder, then press Retry.`
    teardown()
    setState('offline')
  }

  async function start(keep: { lane: Lane; label: string; instance: SandboxInstance }[] = []) {
    const current = ++run
    teardown()
    redisPanel.clear()
    setState('connecting')
    renderOutage()
    const timer = setTimeout(() => current === run && root.dataset.state === 'connecting' && showOffline(), options.connectTimeoutMs ?? 8000)
    try {
      if (!connector && typeof options.connector === 'function') connector = await options.connector()
      if (current !== run || !connector) return
      dir = await connector.directory()
      if (current !== run) return
      if (!(await pollHealth(current))) return void (current === run && showOffline())
      await openObservers(current)
      if (current !== run) return
    } catch {
      return void (current === run && showOffline())
    } finally {
      clearTimeout(timer)
    }
    setState('ready')
    for (const k of keep) addClient(k.lane, k.instance, k.label)
    changed()
    if (healthIntervalMs > 0) {
      pollTimer = setInterval(async () => {
        if (typeof document !== 'undefined' && document.hidden) return
        if (!(await pollHealth(current))) return void (current === run && showOffline())
        void openObservers(current)
      }, healthIntervalMs)
    }
  }

  const unsubscribeSpace = space.subscribe(() => {
    void start(lanes.flatMap((lane) => lane.clients.map((c) => ({ lane, label: c.label, instance: c.instance }))))
  })
  void start()

  return {
    destroy() {
      run++
      clearInterval(pollTimer)
      unsubscribeSpace()
      spaceBar.destroy()
      teardown()
    },
  }
}
