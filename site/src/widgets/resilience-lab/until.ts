/**
 * The lab's one way to wait for something a server or a browser does: polled, and bounded in
 * count, so a stalled server or an abandoned run never hangs an experiment.
 *
 * @module
 */
import type { LabContext } from './types.ts'

/**
 * Waits until `done()` holds, the run is no longer current, or `limitMs` worth of `stepMs` waits
 * have passed (counted, not read off the clock: a fake `sleep` in tests bounds it the same way).
 *
 * @example
 * await until(ctx, () => run.back.length >= peers.length, 15_000, 100)
 */
export async function until(ctx: Pick<LabContext, 'sleep' | 'current'>, done: () => boolean, limitMs: number, stepMs = 50): Promise<void> {
  for (let waited = 0; !done() && waited < limitMs && ctx.current(); waited += stepMs) await ctx.sleep(stepMs)
}
