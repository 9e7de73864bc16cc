/**
 * The console's classes: open a class (its join code in big type), and per class: lock / unlock,
 * reset (confirm), close (confirm), an announcement (<= 280 characters), and who is in, with the
 * lesson widgets each has open and whether they are connected. Polled every 2 s; each class's card
 * is kept across polls (focus and a half-typed announcement survive). `mountClassProjector` is the
 * read-only view for the classroom screen. Text nodes only. Styles: `.cp*` in classes-panel.css (imported by the page).
 */
import { ANNOUNCEMENT_MAX_LENGTH, type ClassDetail, type ClassMember } from '@realtime-workbook/sandbox-server/protocol/classes'
import { h } from '../../sandbox/dom.ts'
import { ClassesApiError, type ClassesApi } from './classes-api.ts'

export { createClassesApi, ClassesApiError, type ClassesApi, type ClassesApiOptions } from './classes-api.ts'

export interface ClassesPanelOptions {
  /** Milliseconds between two polls. Default 2000. */
  intervalMs?: number
}

const WIDGET_NAMES: Record<string, string> = {
  'transport-race': 'Transport race (1)',
  'room-playground': 'Room playground (2)',
  'cluster-fanout': 'Cluster fan-out (3)',
  'security-lab': 'Security lab (4)',
  'resilience-lab': 'Resilience lab (5)',
}

const errorText = (error: unknown): string =>
  error instanceof ClassesApiError
    ? error.code === 'INSTRUCTOR_UNAUTHORIZED'
      ? 'The sandbox refused the key: open the instructor link that npm start printed.'
      : `${error.code}: ${error.message}`
    : String(error)

/** A button that asks once more ("Really …?") before `act` runs; back to normal after 4 s. */
function confirmButton(label: string, testId: string, act: () => void): HTMLButtonElement {
  let armed: ReturnType<typeof setTimeout> | null = null
  const button = h('button', {
    type: 'button',
    class: 'cp-btn',
    'data-testid': testId,
    text: label,
    onclick: () => {
      if (!armed) {
        button.textContent = `Really ${label.toLowerCase()}?`
        armed = setTimeout(() => ((armed = null), (button.textContent = label)), 4000)
        return
      }
      clearTimeout(armed)
      armed = null
      button.textContent = label
      act()
    },
  })
  return button
}

/** The members table body. */
function memberRows(members: ClassMember[]): HTMLElement[] {
  if (!members.length)
    return [h('tr', {}, h('td', { colspan: 3, class: 'cp-muted', text: 'Nobody yet: learners join from a widget’s space bar.' }))]
  return members.map((m) =>
    h(
      'tr',
      { 'data-testid': 'class-member-row' },
      h('td', { text: m.name }),
      h('td', { text: m.widgets.map((w) => WIDGET_NAMES[w] ?? w).join(', ') || '—' }),
      h('td', { class: m.connected ? 'cp-ok' : 'cp-muted', text: m.connected ? 'connected' : 'away' }),
    ),
  )
}

/** The announcement form: a bounded textarea with its count; cleared once `send` says it was sent. */
function announceForm(report: (text: string) => void, send: (text: string) => Promise<boolean>): HTMLFormElement {
  const text = h('textarea', {
    class: 'cp-text',
    rows: 2,
    maxlength: ANNOUNCEMENT_MAX_LENGTH,
    'data-testid': 'class-announce-text',
    'aria-label': 'Announcement',
  })
  const count = h('span', { class: 'cp-muted', 'aria-live': 'polite' })
  const counted = (): void => void (count.textContent = `${text.value.length}/${ANNOUNCEMENT_MAX_LENGTH}`)
  text.addEventListener('input', counted)
  counted()
  return h(
    'form',
    {
      class: 'cp-announce',
      onsubmit: (e: Event) => {
        e.preventDefault()
        if (!text.value.trim()) return report('Write the announcement first.')
        void send(text.value).then((sent) => {
          if (!sent) return
          text.value = ''
          counted()
        })
      },
    },
    text,
    h(
      'span',
      { class: 'cp-row' },
      h('button', { type: 'submit', class: 'cp-btn', 'data-testid': 'class-announce', text: 'Announce' }),
      count,
    ),
  )
}

/** One class's card; `update` refreshes it from a newer detail. */
function classCard(first: ClassDetail, api: ClassesApi, report: (text: string) => void, refresh: () => void) {
  let current = first
  const run = async (what: string, action: () => Promise<unknown>): Promise<boolean> => {
    let done = false
    try {
      await action()
      report(`${what}: done.`)
      done = true
    } catch (error) {
      report(`${what} failed: ${errorText(error)}`)
    }
    refresh()
    return done
  }
  const lockBtn = h('button', {
    type: 'button',
    class: 'cp-btn',
    'data-testid': 'class-lock',
    onclick: () => void run(current.locked ? 'Unlock' : 'Lock', () => api.lock(current.code, !current.locked)),
  })
  const form = announceForm(report, (text) => run('Announcement', () => api.announce(current.code, text)))
  const head = h('p', { class: 'cp-meta' })
  const last = h('p', { class: 'cp-muted' })
  const rows = h('tbody')
  const el = h(
    'article',
    { class: 'cp-class', 'data-testid': 'class-card', 'data-code': first.code },
    h('p', { class: 'cp-code-line' }, 'Join code ', h('strong', { class: 'cp-code', 'data-testid': 'class-code', text: first.code })),
    head,
    h(
      'p',
      { class: 'cp-row' },
      lockBtn,
      confirmButton('Reset', 'class-reset', () => void run('Reset', () => api.reset(current.code))),
      confirmButton('Close', 'class-close', () => void run('Close', () => api.close(current.code))),
    ),
    form,
    last,
    h(
      'table',
      { class: 'cp-table' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Name' }), h('th', { text: 'Widgets open' }), h('th', { text: 'State' }))),
      rows,
    ),
  )
  const update = (detail: ClassDetail): void => {
    current = detail
    el.dataset.locked = String(detail.locked)
    lockBtn.textContent = detail.locked ? 'Unlock' : 'Lock'
    head.textContent = `${detail.memberCount} member${detail.memberCount === 1 ? '' : 's'} · space ${detail.space} · ${detail.locked ? 'locked: no new names' : 'open to new names'}`
    last.textContent = detail.announcement ? `Last announcement: “${detail.announcement.text}”` : 'No announcement yet.'
    rows.replaceChildren(...memberRows(detail.members))
  }
  update(first)
  return { el, update }
}

/**
 * Mounts the classes panel in `root` (the console's `<section id="instructor-classes">`).
 *
 * @example
 * mountClassesPanel(document.getElementById('instructor-classes')!, createClassesApi({ base: () => 'http://localhost:4001', key }))
 */
export function mountClassesPanel(root: HTMLElement, api: ClassesApi, options: ClassesPanelOptions = {}): { destroy(): void } {
  const status = h('p', { class: 'cp-status', role: 'status', 'data-testid': 'classes-status' })
  const list = h('div', { class: 'cp-list' })
  const cards = new Map<string, ReturnType<typeof classCard>>()
  const report = (text: string): void => void (status.textContent = text)
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const refresh = async (): Promise<void> => {
    clearTimeout(timer)
    try {
      const { classes } = await api.list()
      const details = await Promise.all(classes.map((c) => api.get(c.code).catch(() => null)))
      for (const [code, card] of cards) {
        if (classes.some((c) => c.code === code)) continue
        card.el.remove()
        cards.delete(code)
      }
      for (const detail of details) {
        if (!detail) continue
        let card = cards.get(detail.code)
        if (!card) {
          card = classCard(detail, api, report, () => void refresh())
          cards.set(detail.code, card)
          list.prepend(card.el)
        }
        card.update(detail)
      }
      list.dataset.empty = String(cards.size === 0)
    } catch (error) {
      report(errorText(error))
    }
    if (!stopped) timer = setTimeout(() => void refresh(), options.intervalMs ?? 2000)
  }
  const create = h('button', {
    type: 'button',
    class: 'cp-btn cp-primary',
    'data-testid': 'class-create',
    text: 'Open a class',
    onclick: () =>
      void api.create().then(
        (made) => (report(`Class ${made.code} is open: show its code to the learners.`), void refresh()),
        (error: unknown) => report(`Could not open a class: ${errorText(error)}`),
      ),
  })
  root.replaceChildren(
    h('h2', { text: 'Classes' }),
    h('p', {
      class: 'cp-muted',
      text: 'Learners join from any widget’s space bar (Join class) with the code and a display name; their widgets move to the class’s space.',
    }),
    h('p', { class: 'cp-row' }, create),
    status,
    list,
  )
  void refresh()
  return { destroy: () => ((stopped = true), clearTimeout(timer)) }
}

/**
 * The projector's class view: read-only, large type: the newest open class's join code, how many
 * are in, and their names. Works with the projector's key.
 *
 * @example
 * mountClassProjector(document.getElementById('projector-class')!, createClassesApi({ base, key: projectorKey }))
 */
export function mountClassProjector(root: HTMLElement, api: ClassesApi, options: ClassesPanelOptions = {}): { destroy(): void } {
  const code = h('p', { class: 'cp-projector-code', 'data-testid': 'projector-class-code' })
  const count = h('p', { class: 'cp-projector-count', 'data-testid': 'projector-class-count' })
  const names = h('ul', { class: 'cp-projector-names', 'data-testid': 'projector-class-names' })
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const refresh = async (): Promise<void> => {
    try {
      const { classes } = await api.list()
      const newest = classes.reduce<(typeof classes)[number] | null>((a, c) => (!a || c.createdAt > a.createdAt ? c : a), null)
      const detail = newest && (await api.get(newest.code))
      code.textContent = detail ? detail.code : 'No class open'
      count.textContent = detail
        ? `${detail.members.filter((m) => m.connected).length} of ${detail.memberCount} connected${detail.locked ? ' · locked' : ''}`
        : ''
      names.replaceChildren(...(detail?.members ?? []).map((m) => h('li', { class: m.connected ? '' : 'cp-muted', text: m.name })))
    } catch (error) {
      count.textContent = errorText(error)
    }
    if (!stopped) timer = setTimeout(() => void refresh(), options.intervalMs ?? 2000)
  }
  root.replaceChildren(
    h('h2', { text: 'Join the class' }),
    h('p', { class: 'cp-muted', text: 'Widget space bar → Join class → this code:' }),
    code,
    count,
    names,
  )
  void refresh()
  return { destroy: () => ((stopped = true), clearTimeout(timer)) }
}
