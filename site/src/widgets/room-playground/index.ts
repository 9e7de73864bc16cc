/**
 * Room playground: virtual clients on the sandbox cluster, a send form for the six emit calls,
 * and the server-side trace of what each instance ran and delivered.
 *
 * UI only: lesson prose lives in the lesson. All text goes through textContent (see dom.ts).
 */
import { isErrorAck, type ResolvedDirectory, type SandboxConnector, type SandboxInstance, type SandboxObserver } from '../../sandbox/connector.ts'
import { h, uid } from '../../sandbox/dom.ts'
import { callRooms, PLAYGROUND_NAMESPACES, ROOM_NAME_PATTERN, SEND_CALLS, type HealthBody, type PlaygroundNamespace, type SendCall } from '@realtime-workbook/sandbox-server/protocol'
import { createSpaceBar } from '../../sandbox/space-bar.ts'
import { sharedSpace, type SpaceState } from '../../sandbox/space.ts'
import { createClient, QUICK_ROOMS, type VirtualClient } from './card.ts'
import { createEventLog } from './log.ts'

export interface RoomPlaygroundOptions {
  /** A connector, or a loader (e.g. `loadSocketIoConnector`) run on mount. */
  connector: SandboxConnector | (() => Promise<SandboxConnector>)
  space?: SpaceState
  /** After this long without an answer the offline state shows. */
  connectTimeoutMs?: number
  /** Health polling period while the widget is visible; 0 disables polling. */
  healthIntervalMs?: number
  /** How long to wait for the observers' hello before enabling clients anyway. */
  observerWaitMs?: number
}

export interface RoomPlayground {
  destroy(): void
}

type State = 'connecting' | 'offline' | 'ready'
const MAX_CLIENTS = 8
const LABELS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

export function mountRoomPlayground(root: HTMLElement, options: RoomPlaygroundOptions): RoomPlayground {
  const space = options.space ?? sharedSpace()
  const connectTimeoutMs = options.connectTimeoutMs ?? 8000
  const healthIntervalMs = options.healthIntervalMs ?? 5000
  let connector: SandboxConnector | null = typeof options.connector === 'function' ? null : options.connector
  let dir: ResolvedDirectory | null = null
  let health = new Map<string, HealthBody | null>()
  let observers = new Map<string, SandboxObserver>()
  let clients: VirtualClient[] = []
  let run = 0 // bumps on every (re)start; stale async work checks it
  let visible = true
  let pollTimer: ReturnType<typeof setInterval> | undefined
  let hellos = new Map<string, string>() // instance -> fanout reported in observer hello

  // ---- static frame --------------------------------------------------------------------------
  const live = h('p', { class: 'rp-sr', 'aria-live': 'polite', 'data-testid': 'rp-live' })
  const announce = (text: string) => {
    live.textContent = ''
    setTimeout(() => (live.textContent = text), 50)
  }
  const spaceBar = createSpaceBar(space)
  const chips = h('ul', { class: 'rp-chips', 'aria-label': 'Sandbox instances' })
  const banner = h('p', { class: 'rp-banner', 'data-testid': 'rp-redis-banner', role: 'note', hidden: true },
    'Redis is not connected: messages only reach clients on the same instance as the sender. Start Redis (',
    h('code', { text: 'redis-server' }), ') or set ', h('code', { text: 'REDIS_URL' }), ', then restart ',
    h('code', { text: 'npm start' }), '.')
  const connecting = h('p', { class: 'rp-panel', 'data-testid': 'rp-connecting', text: 'Connecting to the sandbox…' })
  const offlineText = h('p')
  const offline = h('div', { class: 'rp-panel rp-offline', 'data-testid': 'rp-offline', hidden: true },
    offlineText,
    h('button', { type: 'button', class: 'rp-btn rp-primary', 'data-testid': 'rp-retry', text: 'Retry', onclick: () => void start() }))

  const roomsListId = uid('rp-rooms')
  const roomsList = h('datalist', { id: roomsListId })
  const cards = h('ul', { class: 'rp-cards', 'aria-label': 'Virtual clients' })
  const noClients = h('p', { class: 'rp-hint', text: 'No clients yet: add one, then add another on a different instance.' })

  // ---- add client ----------------------------------------------------------------------------
  const newInstance = h('select', { 'data-testid': 'rp-new-instance' })
  const newNamespace = h('select', { 'data-testid': 'rp-new-namespace' },
    ...PLAYGROUND_NAMESPACES.map((ns) => h('option', { value: ns, text: ns })))
  const addButton = h('button', { type: 'submit', class: 'rp-btn rp-primary', 'data-testid': 'rp-add-client', text: 'Add client' })
  const addForm = h('form', {
    class: 'rp-add',
    onsubmit: (e: Event) => {
      e.preventDefault()
      const instance = dir?.instances[Number(newInstance.value) - 1]
      if (instance) addClient(instance, newNamespace.value as PlaygroundNamespace)
    },
  }, h('label', {}, 'Instance ', newInstance), h('label', {}, 'Namespace ', newNamespace), addButton)

  // ---- send form -----------------------------------------------------------------------------
  const from = h('select', { 'data-testid': 'rp-send-from' })
  const callName = uid('rp-call')
  const callInputs = SEND_CALLS.map((call, n) =>
    h('input', { type: 'radio', name: callName, value: call, checked: n === 0, 'data-testid': 'rp-send-call', onchange: () => renderSendRooms() }))
  const room = h('input', { class: 'rp-input', 'data-testid': 'rp-send-room', list: roomsListId, size: 10, maxlength: 16, autocomplete: 'off', spellcheck: 'false', placeholder: 'paris' })
  const oneRoom = h('label', { class: 'rp-field' }, 'Room ', room)
  const unionBoxes = h('span', { class: 'rp-union' })
  const someRooms = h('fieldset', { class: 'rp-field' }, h('legend', { text: 'Rooms (1-5, union)' }), unionBoxes)
  const text = h('input', { class: 'rp-input rp-text-input', 'data-testid': 'rp-send-text', maxlength: 280, autocomplete: 'off', value: 'hello' })
  const sendResult = h('p', { class: 'rp-hint', 'data-testid': 'rp-send-result' })
  const sendButton = h('button', { type: 'submit', class: 'rp-btn rp-primary', 'data-testid': 'rp-send', text: 'Send' })
  const selectedCall = () => (callInputs.find((i) => i.checked)?.value ?? 'socket.emit') as SendCall
  const sendForm = h('form', { class: 'rp-send', 'aria-label': 'Send a message', onsubmit: (e: Event) => { e.preventDefault(); void send() } },
    h('h4', { text: 'Send' }),
    h('label', { class: 'rp-field' }, 'From ', from),
    h('fieldset', { class: 'rp-calls' }, h('legend', { text: 'Call' }),
      ...callInputs.map((input) => h('label', {}, input, ' ', h('code', { text: input.value })))),
    oneRoom, someRooms,
    h('p', { class: 'rp-field' }, h('label', { class: 'rp-field rp-text-input' }, 'Text ', text), sendButton),
    sendResult)

  const knownRooms = () => [...new Set([...QUICK_ROOMS, ...clients.flatMap((c) => c.rooms)])].sort()
  function renderSendRooms() {
    const need = callRooms(selectedCall())
    oneRoom.hidden = need !== 'one'
    someRooms.hidden = need !== 'some'
    const checked = new Set([...unionBoxes.querySelectorAll('input')].filter((i) => i.checked).map((i) => i.value))
    unionBoxes.replaceChildren(...knownRooms().map((r) =>
      h('label', {}, h('input', { type: 'checkbox', value: r, checked: checked.has(r), 'data-testid': 'rp-send-rooms' }), ` ${r}`)))
  }

  async function send() {
    sendResult.textContent = ''
    const sender = clients.find((c) => c.label === from.value)
    const call = selectedCall()
    const need = callRooms(call)
    const rooms = need === 'one' ? [room.value.trim()]
      : need === 'some' ? [...unionBoxes.querySelectorAll('input')].filter((i) => i.checked).map((i) => i.value) : []
    const problem = !sender ? 'Add a client first: messages are sent from a client.'
      : sender.status !== 'connected' ? `Client ${sender.label} is not connected.`
      : need === 'one' && !ROOM_NAME_PATTERN.test(rooms[0] ?? '') ? `${call} needs one room, e.g. paris.`
      : need === 'some' && (rooms.length < 1 || rooms.length > 5) ? `${call} needs 1 to 5 rooms.`
      : !text.value ? 'Type a text to send.' : ''
    if (problem || !sender) {
      sendResult.textContent = problem
      return
    }
    const ack = await sender.client.request('send', { call, rooms, text: text.value })
    sendResult.textContent = isErrorAck(ack) ? `${ack.error.code}: ${ack.error.message}` : `Sent (trace ${ack.traceId}).`
  }

  // ---- log -----------------------------------------------------------------------------------
  const log = createEventLog(() => [...hellos.keys()].sort())

  const main = h('div', { class: 'rp-main', hidden: true },
    h('div', { class: 'rp-clients' }, h('h4', { text: 'Clients' }), addForm, noClients, cards, roomsList),
    sendForm, log.el)

  root.classList.add('rp', 'rtwb-widget', 'not-content')
  root.dataset.testid = 'room-playground'
  root.replaceChildren(h('h3', { class: 'rp-title', text: 'Room playground' }), spaceBar.el, chips, banner, connecting, offline, main, live)

  // ---- state ---------------------------------------------------------------------------------
  function setState(state: State) {
    root.dataset.state = state
    connecting.hidden = state !== 'connecting'
    offline.hidden = state !== 'offline'
    main.hidden = state !== 'ready'
    if (state !== 'ready') clearInterval(pollTimer)
  }

  function onClientsChanged() {
    const labels = clients.map((c) => c.label)
    const keep = from.value
    from.replaceChildren(...clients.map((c) =>
      h('option', { value: c.label, text: `${c.label} (${c.instance.id} ${c.namespace})` })))
    if (labels.includes(keep)) from.value = keep
    log.setClients(labels)
    noClients.hidden = clients.length > 0
    addButton.disabled = clients.length >= MAX_CLIENTS
    roomsList.replaceChildren(...knownRooms().map((r) => h('option', { value: r })))
    renderSendRooms()
  }

  const cardContext = () => ({
    connector: connector as SandboxConnector,
    space: space.current(),
    roomsListId,
    onRemove: (vc: VirtualClient) => {
      vc.close()
      clients = clients.filter((c) => c !== vc)
      onClientsChanged()
    },
    onChange: onClientsChanged,
    announce,
  })

  function addClient(instance: SandboxInstance, namespace: PlaygroundNamespace, label?: string) {
    if (!connector || clients.length >= MAX_CLIENTS) return
    const used = new Set(clients.map((c) => c.label))
    const name = label ?? [...LABELS].find((l) => !used.has(l)) ?? `C${clients.length}`
    const vc = createClient(cardContext(), name, instance, namespace)
    clients.push(vc)
    clients.sort((a, b) => a.label.localeCompare(b.label))
    cards.insertBefore(vc.el, clients[clients.indexOf(vc) + 1]?.el ?? null)
    onClientsChanged()
  }

  function renderHealth() {
    if (!dir) return
    chips.replaceChildren(...dir.instances.map((inst) => {
      const body = health.get(inst.id)
      const up = Boolean(body)
      const redis = body ? (body.redis === 'disabled' ? 'no Redis' : `Redis ${body.redis}`) : ''
      const traced = hellos.has(inst.id) ? '' : up ? ' · no trace yet' : ''
      return h('li', { class: `rp-chip rp-inst-${!body ? 'down' : body.redis === 'down' ? 'warn' : 'up'}`, 'data-testid': 'rp-instance', 'data-instance': inst.id, 'data-up': String(up) },
        h('strong', { text: inst.id }), ` :${inst.port} · ${up ? 'up' : 'down'}${redis ? ` · ${redis}` : ''}${traced}`)
    }))
    const bodies = [...health.values()]
    banner.hidden = !(dir.fanout === 'local-only' ||
      bodies.some((b) => b && (b.fanout !== 'redis' || b.redis === 'down')))
    newInstance.replaceChildren(...dir.instances.map((inst, n) =>
      h('option', { value: String(n + 1), text: `${inst.id}${health.get(inst.id) ? '' : ' (down)'}` })))
    newInstance.value = String(Math.max(1, Math.min(dir.instances.length, Number(newInstance.dataset.keep ?? 1))))
  }
  newInstance.addEventListener('change', () => (newInstance.dataset.keep = newInstance.value))

  async function pollHealth(current: number): Promise<boolean> {
    const c = connector
    if (!dir || !c) return false
    const results = await Promise.allSettled(dir.instances.map((i) => c.health(i)))
    if (current !== run) return false
    health = new Map(dir.instances.map((inst, n) => {
      const r = results[n]
      return [inst.id, r?.status === 'fulfilled' ? r.value : null]
    }))
    renderHealth()
    return [...health.values()].some(Boolean)
  }

  function openObservers(current: number): Promise<void> {
    if (!dir || !connector) return Promise.resolve()
    const waits: Promise<void>[] = []
    for (const inst of dir.instances) {
      if (observers.has(inst.id) || !health.get(inst.id)) continue
      const obs = connector.observe({ instance: inst, space: space.current() })
      observers.set(inst.id, obs)
      waits.push(new Promise<void>((resolve) => {
        obs.on('hello', (hello) => {
          hellos.set(inst.id, hello.fanout)
          renderHealth()
          resolve()
        })
        obs.on('connect_error', () => resolve())
      }))
      obs.on('trace', (ev) => current === run && log.add(ev))
    }
    const wait = options.observerWaitMs ?? 2000
    return Promise.race([Promise.all(waits).then(() => undefined), new Promise<void>((r) => setTimeout(r, wait))])
  }

  function teardown() {
    for (const o of observers.values()) o.close()
    observers = new Map()
    hellos = new Map()
    for (const c of clients) c.close()
  }

  function showOffline() {
    const ports = dir?.instances.map((i) => i.port) ?? [4001, 4003]
    const host = typeof location === 'undefined' ? 'localhost' : location.hostname || 'localhost'
    offlineText.replaceChildren(`The sandbox cluster isn't running (tried ${host}:${Math.min(...ports)}-${Math.max(...ports)}). Run `,
      h('code', { text: 'npm install && npm start' }), ' in the project folder, then press Retry.',
      dir && !dir.fallback ? ` If it is running, check that ${location.origin} is one of its allowed origins (SANDBOX_ORIGINS).` : '')
    teardown()
    clients = []
    setState('offline')
    announce('The sandbox is offline.')
  }

  async function start(keepClients: { label: string; instance: SandboxInstance; namespace: PlaygroundNamespace }[] = []) {
    const current = ++run
    teardown()
    clients = []
    cards.replaceChildren()
    log.clear()
    setState('connecting')
    const timer = setTimeout(() => current === run && root.dataset.state === 'connecting' && showOffline(), connectTimeoutMs)
    try {
      if (!connector && typeof options.connector === 'function') connector = await options.connector()
      if (current !== run || !connector) return
      dir = await connector.directory()
      if (current !== run) return
      if (!(await pollHealth(current))) {
        if (current === run) showOffline()
        return
      }
      await openObservers(current)
      if (current !== run) return
    } catch {
      if (current === run) showOffline()
      return
    } finally {
      clearTimeout(timer)
    }
    setState('ready')
    for (const k of keepClients) addClient(k.instance, k.namespace, k.label)
    onClientsChanged()
    announce(`Sandbox ready: ${[...health.values()].filter(Boolean).length} of ${dir.instances.length} instances up.`)
    if (healthIntervalMs > 0) {
      pollTimer = setInterval(async () => {
        if (!visible || (typeof document !== 'undefined' && document.hidden)) return
        if (!(await pollHealth(current))) {
          if (current === run) showOffline()
        } else void openObservers(current)
      }, healthIntervalMs)
    }
  }

  const unsubscribeSpace = space.subscribe(() => {
    const keep = clients.map((c) => ({ label: c.label, instance: c.instance, namespace: c.namespace }))
    void start(keep)
  })
  let io: IntersectionObserver | undefined
  if (typeof IntersectionObserver !== 'undefined') {
    io = new IntersectionObserver((entries) => { visible = entries.some((e) => e.isIntersecting) })
    io.observe(root)
  }
  void start()

  return {
    destroy() {
      run++
      clearInterval(pollTimer)
      io?.disconnect()
      unsubscribeSpace()
      spaceBar.destroy()
      teardown()
    },
  }
}
