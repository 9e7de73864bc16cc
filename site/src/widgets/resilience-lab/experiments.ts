/**
 * The six experiments in lesson 5's order. The storm, the volatile stream, the wire and the
 * heartbeat load their runs on the first click (`on-demand-*.ts`): the page budget counts them apart.
 */
import { ACKS } from './acks.ts'
import { choiceControl, numberControl } from './controls.ts'
import { RECOVERY } from './recovery.ts'
import type { Experiment } from './types.ts'
import { VOLATILE } from './volatile.ts'

const STORM: Experiment = {
  id: 'storm',
  title: 'Reconnection storm',
  caption: '30 of your clients lose their connection at once: default backoff, then randomizationFactor 0.',
  setup: () => ({ controls: [], run: async (ctx, progress) => (await import('./on-demand-storm.ts')).runStorm(ctx, progress) }),
}

const WIRE: Experiment = {
  id: 'wire',
  title: 'What goes on the wire',
  caption: 'The same payload in each format, measured on an instance\u2019s real wire.',
  setup() {
    const size = choiceControl(
      'Payload',
      [
        ['small', 'small'],
        ['large', 'large'],
      ],
      'small',
      'rl-wire-size',
    )
    return { controls: [size.el], run: async (ctx, progress) => (await import('./on-demand-wire.ts')).runWire(ctx, size.value(), progress) }
  },
}

const HEARTBEAT: Experiment = {
  id: 'heartbeat',
  title: 'Heartbeat',
  caption: 'One socket stops answering pings: how long until the server notices?',
  setup() {
    const after = numberControl({
      label: 'Go silent after',
      min: 0,
      max: 10,
      step: 0.5,
      value: 2,
      unit: 's',
      testid: 'rl-silent-after-seconds',
    })
    return {
      controls: [after.el],
      run: async (ctx, progress) => (await import('./on-demand-heartbeat.ts')).runHeartbeat(ctx, after.value() * 1000, progress),
    }
  },
}

export const EXPERIMENTS: Experiment[] = [RECOVERY, ACKS, STORM, VOLATILE, WIRE, HEARTBEAT]
