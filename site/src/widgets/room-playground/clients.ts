/**
 * The room playground's clients: the "Add client" form (instance, namespace), the cards, their
 * labels A, B, C... (a removed label is reused), the rooms they know, and reopening the same
 * clients after a space change.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h, uid } from '../../sandbox/dom.ts'
import { PLAYGROUND_NAMESPACES, type PlaygroundNamespace } from '@realtime-workbook/sandbox-server/protocol'
import type { ResetReason, SandboxSession } from '../../sandbox/session.ts'
import { createClientCard, QUICK_ROOMS, type ClientCard } from '../shared/client-card.ts'

const MAX_CLIENTS = 8
const LABELS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
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
}

/**
 * @example
 * const list = createClientList(session, () => send.render())
 * main.append(list.el)
 */
export function createClientList(session: SandboxSession, onChange: () => void): ClientList {
  let clients: ClientCard[] = []
  let keep: { label: string; instance: SandboxInstance; namespace: PlaygroundNamespace }[] = []
  const roomsListId = uid('rp-rooms')
  const roomsList = h('datalist', { id: roomsListId })
  const cards = h('ul', { class: 'rp-cards', 'aria-label': 'Virtual clients' })
  const noClients = h('p', { class: 'rp-hint', text: 'No clients yet: add one, then add another on a different instance.' })
  const newInstance = h('select', { 'data-testid': 'rp-new-instance', onchange: () => (newInstance.dataset.keep = newInstance.value) })
  const newNamespace = h('select', { 'data-testid': 'rp-new-namespace' }, ...PLAYGROUND_NAMESPACES.map((ns) => h('option', { value: ns, text: ns })))
  const addButton = h('button', { type: 'submit', class: 'rp-btn rp-primary', 'data-testid': 'rp-add-client', text: 'Add client' })
  const addForm = h('form', { class: 'rp-add', onsubmit: (e: Event) => {
    e.preventDefault()
    const instance = session.directory()?.instances[Number(newInstance.value) - 1]
    const namespace = PLAYGROUND_NAMESPACES.find((ns) => ns === newNamespace.value)
    if (instance && namespace) add(instance, namespace)
  } }, h('label', {}, 'Instance ', newInstance), h('label', {}, 'Namespace ', newNamespace), addButton)

  const knownRooms = () => [...new Set([...QUICK_ROOMS, ...clients.flatMap((c) => c.rooms)])].sort()
  function changed() {
    noClients.hidden = clients.length > 0
    addButton.disabled = clients.length >= MAX_CLIENTS
    roomsList.replaceChildren(...knownRooms().map((r) => h('option', { value: r })))
    onChange()
  }
  function remove(card: ClientCard) {
    card.close()
    clients = clients.filter((c) => c !== card)
    changed()
  }
  function add(instance: SandboxInstance, namespace: PlaygroundNamespace, label?: string) {
    const connector = session.connector()
    if (!connector || clients.length >= MAX_CLIENTS) return
    const used = new Set(clients.map((c) => c.label))
    const name = label ?? [...LABELS].find((l) => !used.has(l)) ?? `C${clients.length}`
    const card = createClientCard({ prefix: 'rp', connector, space: session.space(), label: name, instance, namespace, roomsListId,
      maxReceived: MAX_RECEIVED, onRemove: remove, onChange: changed, announce: session.announce })
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
      newInstance.replaceChildren(...instances.map((inst, n) =>
        h('option', { value: String(n + 1), text: `${inst.id}${session.health(inst.id) ? '' : ' (down)'}` })))
      newInstance.value = String(Math.max(1, Math.min(instances.length, Number(newInstance.dataset.keep ?? 1))))
    },
    reset(reason) {
      if (reason === 'space') keep = clients.flatMap((c) => PLAYGROUND_NAMESPACES.filter((ns) => ns === c.namespace).map((namespace) => ({ label: c.label, instance: c.instance, namespace })))
      for (const c of clients) c.close()
      clients = []
      cards.replaceChildren()
    },
    restore() {
      for (const k of keep) add(k.instance, k.namespace, k.label)
      keep = []
      changed()
    },
  }
}
