/**
 * The list of attack cards and the one-at-a-time rule: while an attack runs, every button says
 * it is busy (`aria-disabled`, focus stays) and a second click does nothing.
 */
import { h } from '../../sandbox/dom.ts'
import { ATTACKS } from './attack-catalog.ts'
import { createResultCard, type ResultCard } from './result.ts'
import { runAttack, type RunnerDeps } from './runner.ts'
import type { Attack, LabContext } from './types.ts'

/** Every attack, in lesson 4's order; what runs it loads on the first click (on-demand-attacks.ts). */
export const ATTACK_LIST: Attack[] = ATTACKS.map(({ id, label }) => ({
  id,
  label,
  run: async (ctx) => (await import('./on-demand-attacks.ts')).RUNS[id](ctx),
}))

export interface AttackListOptions extends RunnerDeps {
  context(): LabContext
  /** After each run: announce the codes, refresh the panel. */
  done(attack: Attack, codes: string[]): void
}

/**
 * @example
 * const list = createAttackList({ context, logs, snapshot, done })
 * main.append(list.el)
 */
export function createAttackList(o: AttackListOptions) {
  const cards = new Map<string, ResultCard>()
  let running = false
  for (const attack of ATTACK_LIST)
    cards.set(
      attack.id,
      createResultCard(attack, () => void run(attack)),
    )

  async function run(attack: Attack) {
    const card = cards.get(attack.id)
    if (running || !card) return
    running = true
    for (const c of cards.values()) c.busy(c === card, true)
    let codes: string[] = []
    try {
      const evidence = await runAttack(attack, o.context(), o)
      codes = evidence.steps.map((s) => s.answer.code)
      card.show(evidence)
    } catch (error) {
      codes = ['INTERNAL']
      card.show({
        steps: [{ sent: attack.label, answer: { code: 'INTERNAL', message: String(error) } }],
        logLines: [],
        moved: [],
      })
    } finally {
      running = false
      for (const c of cards.values()) c.busy(false, false)
    }
    o.done(attack, codes)
  }
  return { el: h('ol', { class: 'lab-list', 'aria-label': 'Attacks' }, ...[...cards.values()].map((c) => c.el)) }
}
