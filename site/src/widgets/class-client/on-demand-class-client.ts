/**
 * The class client, loaded only for a class member (or on a join): one socket on `/class` per
 * page. It keeps the membership in localStorage, moves the page's widgets to the class's space,
 * tells the server which lesson widgets the page has open, shows the instructor's announcements
 * (class-banner.ts), reopens the widgets on a reset and sends the page home when the class closes.
 * It talks to widgets through window events only (class-membership.ts).
 */
import { io, type Socket } from 'socket.io-client'
import { isSandboxDirectory } from '@realtime-workbook/sandbox-server/protocol'
import {
  CLASS_NAMESPACE,
  CLASS_WIDGETS,
  isClassClosed,
  isClassHello,
  isAnnouncement,
  isClassReset,
  parseClassCode,
  type ClassWidget,
} from '@realtime-workbook/sandbox-server/protocol/classes'
import { showAnnouncement, showNotice } from './class-banner.ts'
import {
  CLASS_CHANGED_EVENT,
  CLASS_EVENTS,
  CLASS_RESET_EVENT,
  readMembership,
  writeMembership,
  type ClassStatus,
  type Membership,
} from '../../sandbox/class-membership.ts'
import { DEFAULT_PORTS, instanceBase } from '../../sandbox/connector.ts'

let socket: Socket | null = null

const fire = (name: string, detail: unknown): void => void dispatchEvent(new CustomEvent(name, { detail }))
const status = (s: ClassStatus): void => fire(CLASS_EVENTS.status, s)

/** A fresh member id: 16 characters of base64url. */
function newMemberId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
}

/** The lesson widgets on this page (their root sections carry the widget's id as test id). */
function openWidgets(): ClassWidget[] {
  const ids = [...document.querySelectorAll<HTMLElement>('section.rtwb-widget[data-testid]')].map((el) => el.dataset.testid)
  return CLASS_WIDGETS.filter((widget) => ids.includes(widget))
}

/** An instance to connect to: one of `/sandbox.json`'s, at random (the default ports without it). */
async function instanceUrl(): Promise<string> {
  let ports: number[] = [...DEFAULT_PORTS]
  try {
    const response = await fetch('/sandbox.json', { signal: AbortSignal.timeout(3000) })
    const body: unknown = await response.json()
    if (isSandboxDirectory(body) && body.instances.length) ports = body.instances.map((i) => i.port)
  } catch {
    /* the default ports */
  }
  return instanceBase(ports[Math.floor(Math.random() * ports.length)] ?? 4001, location)
}

/** Forgets the class and sends the page's widgets home. */
function leave(notice?: string): void {
  socket?.close()
  socket = null
  writeMembership(null)
  fire(CLASS_CHANGED_EVENT, null)
  status({ state: 'none' })
  showAnnouncement(null)
  if (notice) showNotice(notice)
}

/** Opens `/class` for `wanted` (`joining`: a new join, whose refusal goes back to the space bar). */
async function connect(wanted: Omit<Membership, 'space'>, joining: boolean): Promise<void> {
  socket?.close()
  const url = await instanceUrl()
  const s = io(url + CLASS_NAMESPACE, { auth: { code: wanted.code, name: wanted.name, member: wanted.member } })
  socket = s
  let admitted = false
  s.on('connect', () => void s.emit('class:widgets', { widgets: openWidgets() }))
  s.on('class:hello', (hello: unknown) => {
    if (!isClassHello(hello)) return
    admitted = true
    writeMembership({ code: hello.code, name: hello.name, member: wanted.member, space: hello.space })
    status({ state: 'member', code: hello.code, name: hello.name })
    fire(CLASS_CHANGED_EVENT, null)
    showAnnouncement(hello.announcement)
  })
  s.on('class:announcement', (a: unknown) => isAnnouncement(a) && showAnnouncement(a))
  s.on('class:reset', (r: unknown) => {
    if (isClassReset(r) && r.space === readMembership()?.space) fire(CLASS_RESET_EVENT, null)
  })
  s.on('class:closed', (c: unknown) => isClassClosed(c) && leave('The instructor closed the class: you are back in your own space.'))
  s.on('connect_error', (error: Error & { data?: { code?: unknown; message?: unknown } }) => {
    const code = typeof error.data?.code === 'string' ? error.data.code : null
    if (!code && (admitted || !joining)) return // the network: socket.io-client tries again
    s.close()
    if (joining) status({ state: 'refused', code: code ?? 'CONNECT_FAILED', message: String(error.data?.message ?? error.message) })
    // A stored membership the server no longer knows (closed or expired while away): forget it.
    if (!joining && code === 'CLASS_NOT_FOUND') leave()
  })
}

/**
 * Reconnects a stored membership (every page of a member runs this once).
 *
 * @example
 * startClassClient()
 */
export function startClassClient(): void {
  const membership = readMembership()
  if (membership) void connect(membership, false)
}

/**
 * A join asked for from a space bar (`detail`: `{ code, name }`, checked here).
 *
 * @example
 * joinClass({ code: 'K7Q2MX', name: 'Ada' })
 */
export function joinClass(detail: unknown): void {
  if (typeof detail !== 'object' || detail === null || !('code' in detail) || !('name' in detail)) return
  const code = typeof detail.code === 'string' ? parseClassCode(detail.code) : null
  if (!code || typeof detail.name !== 'string') return
  const stored = readMembership()
  status({ state: 'joining' })
  void connect({ code, name: detail.name, member: stored?.code === code ? stored.member : newMemberId() }, true)
}

// The learner leaves: the server frees their name (and closes their other pages), then home.
addEventListener(CLASS_EVENTS.leave, () => {
  const s = socket
  if (!s?.connected) return leave()
  s.timeout(2000)
    .emitWithAck('class:leave', {})
    .catch(() => undefined)
    .finally(() => leave())
})
// Stored but unreadable (another version, edited by hand): forget it.
if (!readMembership()) writeMembership(null)
