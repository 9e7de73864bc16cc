/**
 * One lane of the cluster fan-out: a namespace (`/with-redis` or `/without-redis`), its topology,
 * its clients (shared client cards, up to six, labelled A-F; tagged in a classmate's space, and
 * skipping letters another browser's live sockets use: widgets/shared/labels.ts), and the fetchSockets() / serverSideEmit() asks.
 */
import { isErrorAck, type SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import type { ClusterNamespace, FetchSocketsAck, ServerSideEmitAck, TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import type { SandboxSession } from '../../sandbox/session.ts'
import { createClientCard, type ClientCard } from '../shared/client-card.ts'
import { createLabelPicker, guestTag } from '../shared/labels.ts'
import type { SpaceState } from '../../sandbox/space.ts'
import { createFlow, type Flow } from './flow.ts'
import { createTopology, type Topology } from './topology.ts'
import { btn, para as p } from './ui.ts'

export const LABELS = 'ABCDEF'
const MAX_RECEIVED = 8

export interface Lane {
  readonly ns: ClusterNamespace
  readonly el: HTMLElement
  readonly topo: Topology
  readonly flow: Flow
  clients(): ClientCard[]
  add(instance: SandboxInstance, label?: string): void
  /** Closes every client and clears the last ask result; `newSpace` also forgets the other browsers' sockets. */
  clear(newSpace?: boolean): void
  /** Follows this lane's connect / disconnect traces, so labels stay distinct between browsers. */
  noteTrace(ev: TraceEvent): void
  /** Redraws the topology, the "As" picker and the add button after a change. */
  render(): void
}

export interface LaneContext {
  session: SandboxSession
  /** For the guest tag of client labels in a classmate's space. */
  space: SpaceState
  reducedMotion(): boolean
  stageMs: number
  /** Clients or rooms changed in this lane. */
  onChange(): void
}

/** The answer of fetchSockets() (a table) or serverSideEmit() (who answered). */
function askResult(
  ack: Extract<FetchSocketsAck, { sockets: unknown }> | Extract<ServerSideEmitAck, { answers: unknown }>,
  from: string,
): HTMLElement {
  if ('sockets' in ack) {
    return h(
      'table',
      { class: 'cf-table', 'data-testid': 'cf-fetch-result' },
      h('caption', { text: `${from}fetchSockets() found ${ack.sockets.length} socket(s)` }),
      h('tr', {}, ...['socket', 'label', 'instance', 'rooms'].map((t) => h('th', { text: t }))),
      ...ack.sockets.map((s) =>
        h('tr', {}, ...[s.socketId.slice(0, 8), s.label, s.instance, s.rooms.join(', ') || '—'].map((t) => h('td', { text: t }))),
      ),
    )
  }
  const answers = ack.answers.map((a) => `${a.instance} (${a.sockets} local sockets)`).join(', ')
  return h('p', {
    'data-testid': 'cf-sse-result',
    text: `${from}serverSideEmit("census") ${answers ? `answered by ${answers}` : 'answered by no other instance'}; the caller never receives its own`,
  })
}

/** Options for clients (`label`, or `label@namespace` with `withNs`), keeping the selection. */
export function fillClients(select: HTMLSelectElement, clients: ClientCard[], withNs = false): void {
  const keep = select.value
  select.replaceChildren(
    ...clients.map((c) =>
      h('option', {
        value: withNs ? `${c.label}@${c.namespace}` : c.label,
        text: `${c.label} on ${c.instance.id}${withNs ? `, ${c.namespace}` : ''}`,
      }),
    ),
  )
  if (clients.length) select.value = keep
  if (!select.value) select.selectedIndex = 0
}

/** The "As <client>" picker with its fetchSockets() / serverSideEmit() buttons, and where their answer shows. */
function createAsks(on: boolean, clients: () => ClientCard[]) {
  const ask = h('select', { 'data-testid': 'cf-ask-from' })
  const result = h('div', { class: 'cf-result' })
  const cluster = (event: 'cluster:fetch-sockets' | 'cluster:server-side-emit') => async () => {
    const c = clients().find((x) => x.label === ask.value)
    if (!c || c.status !== 'connected') return result.replaceChildren(p('cf-hint', 'Add a connected client first.'))
    const ack = await c.client.request(event, {})
    if (isErrorAck(ack)) return result.replaceChildren(p('cf-err', `${ack.error.code}: ${ack.error.message}`))
    result.replaceChildren(askResult(ack, `From ${c.label} on ${c.instance.id}: `))
    if (!on)
      result.append(p('cf-hint', 'In-memory adapter: fetchSockets() sees only the local instance, and serverSideEmit() has nobody to ask.'))
  }
  const row = h(
    'div',
    { class: 'cf-row' },
    h('label', {}, 'As ', ask),
    btn('fetchSockets()', cluster('cluster:fetch-sockets'), 'cf-fetch-sockets'),
    btn('serverSideEmit()', cluster('cluster:server-side-emit'), 'cf-server-side-emit'),
  )
  return { ask, result, row }
}

/** The "Instance iN / Add client" form; `add` gets the chosen instance of the directory. */
function createAddForm(session: SandboxSession, add: (instance: SandboxInstance) => void) {
  const select = h(
    'select',
    { 'data-testid': 'cf-new-instance' },
    ...[1, 2, 3].map((n) => h('option', { value: String(n), text: `i${n}` })),
  )
  const addButton = h('button', { type: 'submit', class: 'cf-btn', 'data-testid': 'cf-add-client', text: 'Add client' })
  const form = h(
    'form',
    {
      class: 'cf-row',
      onsubmit: (e: Event) => {
        e.preventDefault()
        const inst = session.directory()?.instances[Number(select.value) - 1]
        if (inst) add(inst)
      },
    },
    h('label', {}, 'Instance ', select),
    addButton,
  )
  return { form, addButton }
}

/**
 * @example
 * const lane = createLane(ctx, '/with-redis', 'Adapter ON')
 * lanesEl.append(lane.el)
 */
export function createLane(ctx: LaneContext, ns: ClusterNamespace, title: string): Lane {
  const on = ns === '/with-redis'
  let clients: ClientCard[] = []
  const cards = h('ul', { class: 'cf-cards', 'aria-label': `Clients of ${ns}` })
  const topo = createTopology({ redis: on, reducedMotion: ctx.reducedMotion, title: `${title}: clients, instances, Redis` })
  const instanceIds = () => (ctx.session.directory()?.instances ?? []).map((i) => i.id)
  const flow = createFlow(topo, instanceIds, ctx.stageMs)
  const labels = createLabelPicker(() => guestTag(ctx.space))
  const asks = createAsks(on, () => clients)

  function add(instance: SandboxInstance, label?: string) {
    const connector = ctx.session.connector()
    if (!connector || clients.length >= LABELS.length) return
    const name = labels.pick(clients, label)
    const card = createClientCard({
      prefix: 'cf',
      compact: true,
      connector,
      space: ctx.session.space(),
      label: name,
      instance,
      namespace: ns,
      maxReceived: MAX_RECEIVED,
      onChange: ctx.onChange,
      live: ctx.session,
      onRemove: (c) => {
        labels.release(c.socketId)
        c.close()
        clients = clients.filter((x) => x !== c)
        ctx.onChange()
      },
    })
    clients.push(card)
    clients.sort((a, b) => a.label.localeCompare(b.label))
    cards.insertBefore(card.el, clients[clients.indexOf(card) + 1]?.el ?? null)
    ctx.onChange()
  }
  const addForm = createAddForm(ctx.session, add)
  const el = h(
    'section',
    { class: `cf-lane ${on ? 'cf-on' : 'cf-off'}`, 'data-testid': 'cf-lane', 'data-namespace': ns, 'aria-label': title },
    h('h4', {}, title, ' ', h('code', { text: ns })),
    topo.el,
    p('cf-hint', 'Badge: sockets that instance wrote the last message to.'),
    addForm.form,
    cards,
    asks.row,
    asks.result,
  )
  return {
    ns,
    el,
    topo,
    flow,
    add,
    noteTrace: labels.note,
    clients: () => clients,
    clear(newSpace = false) {
      for (const c of clients) labels.release(c.socketId)
      if (newSpace) labels.clear()
      for (const c of clients) c.close()
      clients = []
      asks.result.replaceChildren()
    },
    render() {
      fillClients(asks.ask, clients)
      addForm.addButton.disabled = clients.length >= LABELS.length
      const dir = ctx.session.directory()
      topo.render(
        (dir?.instances ?? []).map((i) => ({ id: i.id, up: Boolean(ctx.session.health(i.id)) })),
        clients.map((c) => ({ label: c.label, instance: c.instance.id })),
        on && Boolean(dir?.emitter),
      )
      flow.redrawCounts()
    },
  }
}
