/**
 * The list of attack cards and the one-at-a-time rule: while an attack runs, every button says
 * it is busy (`aria-disabled`, focus stays) and a second click does nothing.
 */
import { h } from '../../sandbox/dom.ts'
import { ATTACKS } from './attack-catalog.ts'
import { createResultCard, type Evidence, type ResultCard } from './result.ts'
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

/** What the attack's card shows; a failure (the sandbox not connected, a bug) is an INTERNAL answer. */
async function evidenceOf(attack: Attack, o: AttackListOptions): Promise<Evidence> {
  try {
    return await runAttack(attack, o.context(), o)
  } catch (error) {
    return { steps: [{ sent: attack.label, answer: { code: 'INTERNAL', message: String(error) } }], logLines: [], moved: [] }
  }
}

/**
 * @example
 * const list = createAttackList({ context, logs, snapshot, done })
 * main.append(list.el)
 */
export function createAttackList(o: AttackListOptions) {
  const cards = new Map<string, ResultCard>()
  let running = false
  // Bumped by clear(): a run that started in the previous space shows nothing when it ends.
  let epoch = 0
  for (const attack of ATTACK_LIST)
    cards.set(
      attack.id,
      createResultCard(attack, () => void run(attack)),
    )

  async function run(attack: Attack) {
    const card = cards.get(attack.id)
    if (running || !card) return
    running = true
    const mine = ++epoch
    for (const c of cards.values()) c.busy(c === card, true)
    const evidence = await evidenceOf(attack, o)
    // The space changed meanwhile (clear()): this evidence is about the previous one.
    if (mine !== epoch) return
    running = false
    for (const c of cards.values()) c.busy(false, false)
    card.show(evidence)
    o.done(
      attack,
      evidence.steps.map((s) => s.answer.code),
    )
  }
  return {
    el: h('ol', { class: 'lab-list', 'aria-label': 'Attacks' }, ...[...cards.values()].map((c) => c.el)),
    /** Every card back to not run (the space changed); a run under way is forgotten. */
    clear() {
      epoch++
      running = false
      for (const c of cards.values()) c.clear()
    },
  }
}
