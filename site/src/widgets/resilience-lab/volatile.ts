/**
 * Experiment 4, "Volatile events and slow consumers": its card on the page; its run loads on the
 * first click (on-demand-volatile.ts).
 */
import { numberControl } from './controls.ts'
import type { Experiment } from './types.ts'

/** Positions the server streams in each mode. */
export const POSITIONS = 40
/** Milliseconds between two positions. */
export const EVERY_MS = 100

/** @example EXPERIMENTS.push(VOLATILE) */
export const VOLATILE: Experiment = {
  id: 'volatile',
  title: 'Volatile events and slow consumers',
  caption: `${POSITIONS} positions, one every ${EVERY_MS} ms, to a client paused in the middle: normal, then volatile.`,
  setup() {
    const pause = numberControl({ label: 'Pause for', min: 1, max: 3, step: 0.5, value: 2, unit: 's', testid: 'rl-pause-seconds' })
    return {
      controls: [pause.el],
      run: async (ctx, progress) => (await import('./on-demand-volatile.ts')).runVolatile(ctx, pause.value(), progress),
    }
  },
}
