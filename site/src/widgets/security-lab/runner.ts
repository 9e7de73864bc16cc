/**
 * Runs one attack and gathers its evidence: a stats snapshot before and after, and the log lines
 * of the space that arrived meanwhile (plus a short grace period: log lines and counters of other
 * instances travel a little behind the answers).
 */
import { formatLogLine, type LogBuffer } from './logs.ts'
import type { Evidence } from './result.ts'
import { moved, type Snapshot } from './stats.ts'
import type { Attack, LabContext } from './types.ts'

export const GRACE_MS = 800

export interface RunnerDeps {
  logs: LogBuffer
  snapshot(): Promise<Snapshot | null>
  graceMs?: number
}

/**
 * @example
 * const evidence = await runAttack(attack, ctx, { logs, snapshot })
 */
export async function runAttack(attack: Attack, ctx: LabContext, deps: RunnerDeps): Promise<Evidence> {
  const before = await deps.snapshot()
  const start = Date.now()
  const steps = await attack
    .run(ctx)
    .catch((error: unknown) => [{ sent: attack.label, answer: { code: 'INTERNAL', message: String(error) } }])
  await new Promise((resolve) => setTimeout(resolve, deps.graceMs ?? GRACE_MS))
  const after = await deps.snapshot()
  const logLines = deps.logs.since(start).map(formatLogLine)
  return {
    steps,
    logLines,
    moved: before && after ? moved(before, after) : [],
  }
}
