/**
 * The room playground's clients: the "Add client" form (instance, namespace), the cards, their
 * labels A, B, C... (a removed label is reused; letters another browser's live sockets in this
 * space use are skipped, widgets/shared/labels.ts), the rooms they know, and reopening the same
 * clients after a space change.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h, uid } from '../../sandbox/dom.ts'
import { PLAYGROUND_NAMESPACES, type PlaygroundNamespace } from '@realtime-workbook/sandbox-server/protocol'
import type { ResetReason, SandboxSession } from '../../sandbox/session.ts'
import { createClientCard, QUICK_ROOMS, type ClientCard } from '../shared/client-card.ts'
import { createLabelPicker, guestTag } from '../shared/labels.ts'
import type { SpaceState } from '../../sandbox/space.ts'
import type { TraceEvent } from '@realtime-workbook/sandbox-server/protocol'

const MAX_CLIENTS = 8
const MAX_RECEIVED = 20

export interface ClientList {
  el: HTMLElement
  /** The `<datalist>` id of the known rooms. */
  roomsListId: string
  clients(): ClientCard[]
  /** Quick rooms and every room a client is in, sorted. */
  knownRooms(): string[]
  /** Instance picker: one option per instance, "(down)" when it did not answer. */
  renderInstances(): void
  /** Closes every client; on a space change remembers them for `restore()`. */
  reset(reason: ResetReason): void
  restore(): void
  /** Follows the space's connect / disconnect traces, so labels stay distinct between browsers. */
  noteTrace(ev: TraceEvent): void
}

/** A client to reopen, on the same instance and namespace with the same label, after a space change. */
type KeptClient = { label: string; instance: SandboxInstance; namespace: PlaygroundNamespace }

const keptClients = (clients: ClientCard[]): KeptClient[] =>
  clients.flatMap((c) =>
    PLAYGROUND_NAMESPACES.filter((ns) => ns === c.namespace).map((namespace) => ({
      label: c.label,
      instance: c.instance,
      namespace,
    })),
  )

/** The "Instance / Namespace / Add client" form; `add` gets the chosen instance and namespace. */
function createAddForm(session: SandboxSession, add: (instance: SandboxInstance, namespace: PlaygroundNamespace) => void) {
  const newInstance = h('select', { 'data-testid': 'rp-new-instance', onchange: () => (newInstance.dataset.keep = newInstance.value) })
  const newNamespace = h(
    'select',
    { 'data-testid': 'rp-new-namespace' },
    ...PLAYGROUND_NAMESPACES.map((ns) => h('option', { value: ns, text: ns })),
  )
  const addButton = h('button', { type: 'submit', class: 'rp-btn rp-primary', 'data-testid': 'rp-add-client', text: 'Add client' })
  const addForm = h(
    'form',
    {
      class: 'rp-add',
      onsubmit: (e: Event) => {
        e.preventDefault()
        const instance = session.directory()?.instances[Number(newInstance.value) - 1]
        const namespace = PLAYGROUND_NAMESPACES.find((ns) => ns === newNamespace.value)
        if (instance && namespace) add(instance, namespace)
      },
    },
    h('label', {}, 'Instance ', newInstance),
    h('label', {}, 'Namespace ', newNamespace),
    addButton,
  )
  return { addForm, newInstance, addButton }
}

/**
 * @example
 * const list = createClientList(session, sharedSpace(), () => send.render())
 * main.append(list.el)
 */
export function createClientList(session: SandboxSession, space: SpaceState, onChange: () => void): ClientList {
  let clients: ClientCard[] = []
  const labels = createLabelPicker(() => guestTag(space))
  let keep: KeptClient[] = []
  const roomsListId = uid('rp-rooms')
  const roomsList = h('datalist', { id: roomsListId })
  const cards = h('ul', { class: 'rp-cards', 'aria-label': 'Virtual clients' })
  const noClients = h('p', { class: 'rp-hint', text: 'No clients yet: add one, then add another on a different instance.' })
  const { addForm, newInstance, addButton } = createAddForm(session, add)

  const knownRooms = () => [...new Set([...QUICK_ROOMS, ...clients.flatMap((c) => c.rooms)])].sort()
  function changed() {
    noClients.hidden = clients.length > 0
    addButton.disabled = clients.length >= MAX_CLIENTS
    roomsList.replaceChildren(...knownRooms().map((r) => h('option', { value: r })))
    onChange()
  }
  function remove(card: ClientCard) {
    labels.release(card.socketId)
    card.close()
    clients = clients.filter((c) => c !== card)
    changed()
  }
  function add(instance: SandboxInstance, namespace: PlaygroundNamespace, label?: string) {
    const connector = session.connector()
    if (!connector || clients.length >= MAX_CLIENTS) return
    const name = labels.pick(clients, label)
    const card = createClientCard({
      prefix: 'rp',
      connector,
      space: session.space(),
      label: name,
      instance,
      namespace,
      roomsListId,
      maxReceived: MAX_RECEIVED,
      onRemove: remove,
      // A client dropped or came back (an instance down, restarted): the session asks the cluster now.
      onChange: () => (changed(), session.refresh()),
      live: session,
    })
    clients.push(card)
    clients.sort((a, b) => a.label.localeCompare(b.label))
    cards.insertBefore(card.el, clients[clients.indexOf(card) + 1]?.el ?? null)
    changed()
  }

  return {
    el: h('div', { class: 'rp-clients' }, h('h4', { text: 'Clients' }), addForm, noClients, cards, roomsList),
    roomsListId,
    clients: () => clients,
    knownRooms,
    renderInstances() {
      const instances = session.directory()?.instances ?? []
      newInstance.replaceChildren(
        ...instances.map((inst, n) => h('option', { value: String(n + 1), text: `${inst.id}${session.health(inst.id) ? '' : ' (down)'}` })),
      )
      newInstance.value = String(Math.max(1, Math.min(instances.length, Number(newInstance.dataset.keep ?? 1))))
    },
    reset(reason) {
      if (reason === 'space') keep = keptClients(clients)
      for (const c of clients) c.close()
      labels.clear()
      clients = []
      cards.replaceChildren()
    },
    restore() {
      for (const k of keep) add(k.instance, k.namespace, k.label)
      keep = []
      changed()
    },
    noteTrace: labels.note,
  }
}
