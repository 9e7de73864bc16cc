/**
 * One attack's card: its button, and once run: each step's "sent" and "answer",
 * the log lines its instance wrote and the metrics it moved. Text nodes only: a code, a message,
 * a log line and the markup attack's echo are all shown as text.
 */
import { h } from '../../sandbox/dom.ts'
import type { Attack, Step } from './types.ts'

/** What the card shows after a run. */
export interface Evidence {
  steps: Step[]
  logLines: string[]
  moved: string[]
  /** Why there are no log lines to show (the observer streams none, or the attack wrote none). */
  noLogs: string
}

const section = (title: string, ...children: HTMLElement[]) =>
  h('div', { class: 'sl-part' }, h('p', { class: 'sl-part-title', text: title }), ...children)
const list = (items: string[], empty: string, id: string) =>
  items.length
    ? h('ul', { class: 'sl-lines', 'data-testid': id }, ...items.map((t) => h('li', {}, h('code', { text: t }))))
    : h('p', { class: 'sl-muted', 'data-testid': id, text: empty })

function stepView(step: Step, id: string): HTMLElement {
  return h(
    'li',
    { class: 'sl-step' },
    h('p', {}, h('span', { class: 'sl-k', text: 'Sent ' }), h('code', { class: 'sl-sent', text: step.sent })),
    h(
      'p',
      {},
      h('span', { class: 'sl-k', text: 'Answer ' }),
      h('strong', { class: 'sl-code', 'data-testid': `sl-code-${id}`, text: step.answer.code }),
      ' ',
      h('span', { text: step.answer.message }),
    ),
  )
}

/**
 * @example
 * const card = createResultCard(attack, () => run(attack))
 * card.show({ steps, logLines, moved, noLogs })
 */
export function createResultCard(attack: Attack, onRun: () => void) {
  const button = h('button', {
    type: 'button',
    class: 'sl-btn sl-primary',
    'data-testid': `sl-btn-${attack.id}`,
    text: attack.label,
    onclick: onRun,
  })
  const result = h('div', { class: 'sl-result', 'data-testid': `sl-result-${attack.id}`, hidden: true })
  const el = h('li', { class: 'sl-attack', 'data-testid': `sl-attack-${attack.id}`, 'data-state': 'idle' }, button, result)
  return {
    el,
    /** Marks the card busy (its button stays focusable; `aria-disabled` says it does nothing). */
    busy(running: boolean, anyRunning: boolean) {
      if (running) el.dataset.state = 'running'
      button.setAttribute('aria-disabled', String(anyRunning))
      if (running) {
        result.hidden = false
        result.replaceChildren(h('p', { class: 'sl-muted', role: 'status', text: 'Running…' }))
      }
    },
    show(evidence: Evidence) {
      el.dataset.state = 'done'
      el.dataset.codes = evidence.steps.map((s) => s.answer.code).join(' ')
      result.hidden = false
      result.replaceChildren(
        section('Sent, and the answer', h('ul', { class: 'sl-steps' }, ...evidence.steps.map((s) => stepView(s, attack.id)))),
        section('Log line (your space)', list(evidence.logLines, evidence.noLogs, `sl-log-${attack.id}`)),
        section('Metric that moved (before -> after)', list(evidence.moved, 'No metric moved.', `sl-metric-${attack.id}`)),
      )
    },
  }
}
export type ResultCard = ReturnType<typeof createResultCard>
