/**
 * The console's fault controls: kill or drain an instance, stop or restart Redis when `npm start`
 * owns it (otherwise disabled, with the reason). Each action asks for confirmation in a `<dialog>`
 * first, then POSTs to the launcher's `/instructor/api/faults` with the key; what happened is
 * listed (a polite live region). Text nodes only.
 */
import { isFaultAnswer, isFaultsStatus, type FaultAction, type FaultsStatus } from '@realtime-workbook/sandbox-server/protocol'
import { isErrorAck } from '../../sandbox/connector.ts'
import { logRegion } from '../../sandbox/announcer.ts'
import { h } from '../../sandbox/dom.ts'
import type { InstructorClient } from '../../sandbox/instructor-client.ts'
import { focused, restoreFocus } from '../../sandbox/focus.ts'

/** What the confirmation says for each action. */
function consequence(action: FaultAction): { title: string; text: string } {
  switch (action.action) {
    case 'kill':
      return {
        title: `Kill ${action.instance}?`,
        text: `The process stops at once (SIGKILL): its clients lose their connection and reconnect, the launcher restarts it.`,
      }
    case 'drain':
      return {
        title: `Drain ${action.instance}?`,
        text: `It stops accepting connections and closes its own (clients reconnect by themselves), then exits; the launcher restarts it.`,
      }
    case 'redis-stop':
      return { title: 'Stop Redis?', text: 'Messages then only reach clients on the sender’s instance, until you restart it.' }
    case 'redis-start':
      return { title: 'Restart Redis?', text: 'The instances reconnect to it by themselves.' }
  }
}

/** The confirmation dialog; resolves true when confirmed. */
function createConfirm(): { el: HTMLDialogElement; ask(action: FaultAction): Promise<boolean> } {
  const title = h('h3', { id: 'iv-dialog-title' })
  const text = h('p')
  const confirm = h('button', { type: 'submit', value: 'yes', class: 'iv-btn iv-danger', 'data-testid': 'iv-confirm', text: 'Confirm' })
  const cancel = h('button', { type: 'submit', value: 'no', class: 'iv-btn iv-secondary', 'data-testid': 'iv-cancel', text: 'Cancel' })
  const el = h(
    'dialog',
    { class: 'iv-dialog', 'aria-labelledby': 'iv-dialog-title', 'data-testid': 'iv-dialog' },
    h('form', { method: 'dialog' }, title, text, h('div', { class: 'iv-row' }, cancel, confirm)),
  )
  return {
    el,
    ask(action) {
      const { title: t, text: body } = consequence(action)
      title.textContent = t
      text.textContent = body
      el.returnValue = ''
      el.showModal()
      cancel.focus()
      return new Promise((resolve) => el.addEventListener('close', () => resolve(el.returnValue === 'yes'), { once: true }))
    },
  }
}

const button = (text: string, testid: string, onclick: () => void): HTMLButtonElement =>
  h('button', { type: 'button', class: 'iv-btn iv-danger', 'data-testid': testid, text, onclick })

/** One row per instance: its state and its Kill and Drain buttons (usable while it runs and nothing else does). */
function instanceRows(status: FaultsStatus | null, busy: boolean, act: (action: FaultAction) => void): HTMLElement[] {
  return (status?.instances ?? []).map((i) => {
    const kill = button(`Kill ${i.id}`, 'iv-kill', () => act({ action: 'kill', instance: i.id }))
    const drain = button(`Drain ${i.id}`, 'iv-drain', () => act({ action: 'drain', instance: i.id }))
    kill.disabled = drain.disabled = busy || i.state !== 'running'
    return h('li', { 'data-instance': i.id }, h('span', { text: `${i.id}: ${i.state}, ${i.restarts} restart(s)` }), kill, drain)
  })
}

/** Redis's state and its Stop and Restart buttons (usable only when the launcher owns Redis). */
function redisControls(status: FaultsStatus | null, busy: boolean, act: (action: FaultAction) => void): HTMLElement[] {
  const redis = status?.redis
  const stop = button('Stop Redis', 'iv-redis-stop', () => act({ action: 'redis-stop' }))
  const start = button('Restart Redis', 'iv-redis-start', () => act({ action: 'redis-start' }))
  stop.disabled = busy || !redis?.controllable || redis.state !== 'running'
  start.disabled = busy || !redis?.controllable || redis.state !== 'stopped'
  return [h('span', { text: `Redis: ${redis?.state ?? 'unknown'}` }), stop, start]
}

/**
 * The fault controls; `refresh()` reads what may be acted on (call it with the table's poll).
 *
 * @example
 * const faults = createFaultControls(client, '/instructor/api/faults')
 * root.append(faults.el)
 * await faults.refresh()
 */
export function createFaultControls(client: InstructorClient, url: string): { el: HTMLElement; refresh(): Promise<void> } {
  const confirm = createConfirm()
  const instances = h('ul', { class: 'iv-faults' })
  const redisRow = h('div', { class: 'iv-row' })
  const redisReason = h('p', { class: 'iv-note', 'data-testid': 'iv-redis-reason' })
  const log = h('ol', { class: 'iv-log', 'data-testid': 'iv-fault-log' })
  // Focusable from script only: where keyboard focus waits while every button is disabled (an action running).
  const title = h('h2', { id: 'iv-faults-title', tabindex: -1, text: 'Fault controls' })
  let busy = false
  let status: FaultsStatus | null = null
  /** The last status rendered: an unchanged poll keeps the buttons (and keyboard focus) in place. */
  let shown = ''
  /** The action button that last had keyboard focus (its row and testid): buttons are re-created on each change. */
  let opener: { row?: string; testid: string } | null = null
  const note = (text: string, bad = false) => {
    log.prepend(h('li', { class: bad ? 'iv-bad' : '', text: `${new Date().toLocaleTimeString()} ${text}` }))
    while (log.children.length > 20) log.lastElementChild?.remove()
  }
  async function run(action: FaultAction): Promise<void> {
    if (busy || !(await confirm.ask(action))) return
    busy = true
    render()
    const answer = await client.post(url, action, isFaultAnswer)
    busy = false
    if (isErrorAck(answer)) note(`${answer.error.code}: ${answer.error.message}`, true)
    else {
      note(answer.message)
      status = answer.status
    }
    render()
  }
  function render(): void {
    const now = JSON.stringify([status, busy])
    if (now === shown) return
    shown = now
    const before = focused()
    if (before instanceof HTMLButtonElement && before.dataset.testid && (instances.contains(before) || redisRow.contains(before)))
      opener = { row: before.closest('li')?.dataset.instance, testid: before.dataset.testid }
    const act = (action: FaultAction) => void run(action)
    instances.replaceChildren(...instanceRows(status, busy, act))
    redisRow.replaceChildren(...redisControls(status, busy, act))
    const reason = status?.redis.reason
    redisReason.textContent = reason ? `Disabled: ${reason}.` : ''
    redisReason.hidden = !reason
    keepFocus(before)
  }
  /**
   * The buttons were re-created: keyboard focus goes to the same action's new button, or to the
   * heading while it is disabled (an action running), and back to the button once it is usable again.
   */
  function keepFocus(before: Element | null): void {
    const scope = opener?.row ? instances.querySelector(`li[data-instance="${opener.row}"]`) : redisRow
    const same = opener ? scope?.querySelector<HTMLButtonElement>(`[data-testid="${opener.testid}"]`) : null
    if (before === title && document.activeElement === title && same && !same.disabled) same.focus()
    else restoreFocus(before, same, title)
  }
  const el = h(
    'section',
    { class: 'iv-fault-controls', 'data-testid': 'iv-fault-controls', 'aria-labelledby': 'iv-faults-title' },
    title,
    h('p', { class: 'iv-note', text: 'For demonstrations: every open lesson widget shows the consequence live. Each action asks first.' }),
    instances,
    redisRow,
    redisReason,
    // Nothing else announces a fault's outcome: this log keeps the implied polite (announcer.ts).
    logRegion('Fault log', log, false),
    confirm.el,
  )
  return {
    el,
    async refresh() {
      const answer = await client.get(url, isFaultsStatus)
      if (isErrorAck(answer)) return void (redisReason.textContent = `Fault controls unavailable: ${answer.error.message}`)
      status = answer
      render()
    },
  }
}
