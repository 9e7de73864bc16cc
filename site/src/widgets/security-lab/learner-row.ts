/**
 * The row above the attacks: "connect with a learner token" (lesson 4's experiment 4 starts
 * there) and which instances the learner's sockets are open on (one token, one user).
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import type { LearnerSockets } from './learner.ts'

/**
 * @example
 * const row = createLearnerRow(learners, () => dir.instances[0], session.announce)
 * row.render()
 */
export function createLearnerRow(
  learners: LearnerSockets,
  firstInstance: () => SandboxInstance | undefined,
  announce: (text: string) => void,
) {
  const status = h('p', { class: 'sl-muted', 'data-testid': 'sl-learner', role: 'status' })
  const button = h('button', {
    type: 'button',
    class: 'sl-btn',
    'data-testid': 'sl-connect-learner',
    text: 'connect with a learner token',
    onclick: () => void connect(),
  })
  function render() {
    const open = learners.open()
    const user = open[0]?.hello.user
    status.textContent = user
      ? `Connected as ${user.name} (${user.role}) on ${open.map((s) => s.client.instance.id).join(', ')}: one token, one user.`
      : 'No learner socket yet: the attacks that need one open it.'
  }
  async function connect() {
    const instance = firstInstance()
    if (!instance) return
    try {
      const socket = await learners.on(instance)
      announce(`Connected with a learner token on ${socket.client.instance.id}.`)
    } catch (error) {
      status.textContent = `The learner token was refused: ${error instanceof Error ? error.message : String(error)}`
    }
  }
  learners.onChange(render)
  return { el: h('div', { class: 'sl-learner-row' }, button, status), render }
}
