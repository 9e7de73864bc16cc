/**
 * One experiment's card: title, one-line caption, its control row and Run button, a status line
 * while it runs, then its result (numbers and a small timeline or list). Cards run one at a time
 * (see index.ts): a busy card's button stays focusable and says so with `aria-disabled`.
 */
import { h } from '../../sandbox/dom.ts'
import type { Experiment, Outcome } from './types.ts'

/**
 * @example
 * const card = createCard(experiment, () => void run(card))
 * card.show(await card.setup.run(ctx, card.progress))
 */
export function createCard(experiment: Experiment, onRun: () => void) {
  const setup = experiment.setup()
  const titleId = `rl-title-${experiment.id}`
  const button = h('button', {
    type: 'button',
    class: 'rl-btn rl-primary',
    'data-testid': `rl-run-${experiment.id}`,
    'aria-describedby': titleId,
    text: 'Run',
    onclick: onRun,
  })
  const status = h('p', { class: 'rl-status', 'data-testid': `rl-status-${experiment.id}`, hidden: true })
  const result = h('div', { class: 'rl-result', 'data-testid': `rl-result-${experiment.id}`, hidden: true })
  const el = h(
    'li',
    { class: 'rl-exp', 'data-testid': `rl-exp-${experiment.id}`, 'data-state': 'idle', 'aria-labelledby': titleId },
    h('h4', { id: titleId, text: experiment.title }),
    h('p', { class: 'rl-caption', text: experiment.caption }),
    h('div', { class: 'rl-controls', role: 'group', 'aria-label': `${experiment.title}: settings` }, ...setup.controls, button),
    status,
    result,
  )
  return {
    el,
    experiment,
    setup,
    /** Marks this card running, or every card idle/blocked while another one runs. */
    busy(running: boolean, anyRunning: boolean) {
      button.setAttribute('aria-disabled', String(anyRunning))
      if (!running) return
      el.dataset.state = 'running'
      status.hidden = false
      status.textContent = 'Running…'
    },
    /** A line of progress while running ("cut for 3 s…"). */
    progress(text: string) {
      status.textContent = text
    },
    show(outcome: Outcome) {
      el.dataset.state = outcome.failed ? 'failed' : 'done'
      for (const [key, value] of Object.entries(outcome.figures ?? {})) el.dataset[key] = String(value)
      status.hidden = true
      result.hidden = false
      result.replaceChildren(outcome.view)
    },
    /** Back to idle (space change, offline): results of another space or connection are dropped. */
    clear() {
      el.dataset.state = 'idle'
      for (const key of Object.keys(el.dataset)) if (key !== 'state' && key !== 'testid') delete el.dataset[key]
      status.hidden = true
      result.hidden = true
      result.replaceChildren()
    },
  }
}
export type Card = ReturnType<typeof createCard>
