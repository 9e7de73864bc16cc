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
}

/**
 * Refusals before the space is known (Engine.IO), sampled repeats, and lines the instance writes
 * without a space are not streamed to the space's observers.
 */
const NO_LOG_LINE = 'No log line about your space was streamed during this attack.'
const section = (title: string, ...children: HTMLElement[]) =>
  h('div', { class: 'lab-part' }, h('p', { class: 'lab-part-title', text: title }), ...children)
const list = (items: string[], empty: string, id: string) =>
  items.length
    ? h('ul', { class: 'lab-lines', 'data-testid': id }, ...items.map((t) => h('li', {}, h('code', { text: t }))))
    : h('p', { class: 'lab-muted', 'data-testid': id, text: empty })

function stepView(step: Step, id: string): HTMLElement {
  return h(
    'li',
    { class: 'lab-step' },
    h('p', {}, h('span', { class: 'lab-k', text: 'Sent ' }), h('code', { class: 'lab-sent', text: step.sent })),
    h(
      'p',
      {},
      h('span', { class: 'lab-k', text: 'Answer ' }),
      h('strong', { class: 'lab-code', 'data-testid': `lab-code-${id}`, text: step.answer.code }),
      ' ',
      h('span', { text: step.answer.message }),
    ),
  )
}

/**
 * @example
 * const card = createResultCard(attack, () => run(attack))
 * card.show({ steps, logLines, moved })
 */
export function createResultCard(attack: Attack, onRun: () => void) {
  const button = h('button', {
    type: 'button',
    class: 'lab-btn lab-primary',
    'data-testid': `lab-btn-${attack.id}`,
    text: attack.label,
    onclick: onRun,
  })
  const result = h('div', { class: 'lab-result', 'data-testid': `lab-result-${attack.id}`, hidden: true })
  const el = h('li', { class: 'lab-attack', 'data-testid': `lab-attack-${attack.id}`, 'data-state': 'idle' }, button, result)
  return {
    el,
    /** Marks the card busy (its button stays focusable; `aria-disabled` says it does nothing). */
    busy(running: boolean, anyRunning: boolean) {
      if (running) el.dataset.state = 'running'
      button.setAttribute('aria-disabled', String(anyRunning))
      if (running) {
        result.hidden = false
        result.replaceChildren(h('p', { class: 'lab-muted', role: 'status', text: 'Running…' }))
      }
    },
    /** Back to not run: nothing of another space's run stays on screen. */
    clear() {
      el.dataset.state = 'idle'
      delete el.dataset.codes
      button.setAttribute('aria-disabled', 'false')
      result.hidden = true
      result.replaceChildren()
    },
    show(evidence: Evidence) {
      el.dataset.state = 'done'
      el.dataset.codes = evidence.steps.map((s) => s.answer.code).join(' ')
      result.hidden = false
      result.replaceChildren(
        section('Sent, and the answer', h('ul', { class: 'lab-steps' }, ...evidence.steps.map((s) => stepView(s, attack.id)))),
        section('Log line (your space)', list(evidence.logLines, NO_LOG_LINE, `lab-log-${attack.id}`)),
        section('Metric that moved (before -> after)', list(evidence.moved, 'No metric moved.', `lab-metric-${attack.id}`)),
      )
    },
  }
}
export type ResultCard = ReturnType<typeof createResultCard>
