/**
 * What the resilience lab's parts share: an experiment (its controls and its run), the context a
 * run gets, and what a run gives back (a view, a sentence to announce, figures for tests).
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import type { ResilienceConnector } from '../../sandbox/resilience-client.ts'

/** Everything a run may use. */
export interface LabContext {
  /** Opens the lab's sockets (`site/src/sandbox/resilience-client.ts`, or its fake in tests). */
  lab: ResilienceConnector
  instances: SandboxInstance[]
  space: string
  /** False once the session restarted (space change, offline, destroy): the run stops and its result is dropped. */
  current(): boolean
  /** Closes `thing` when the session resets; returns it. */
  track<T extends { close(): void }>(thing: T): T
  /** Waits `ms` (injectable: unit tests shorten the runs' waits). */
  sleep(ms: number): Promise<void>
}

/** What a run shows. */
export interface Outcome {
  view: Node
  /** One sentence for the live region. */
  summary: string
  /** Key figures, set as `data-*` on the card (browser and unit tests read them). */
  figures?: Record<string, string | number | boolean>
  /** The run could not measure (e.g. a client never connected): the card says so. */
  failed?: boolean
}

export type Progress = (text: string) => void

/** The controls of one experiment and the run bound to their values. */
export interface ExperimentSetup {
  controls: Node[]
  run(ctx: LabContext, progress: Progress): Promise<Outcome>
}

/** One experiment of the lab. */
export interface Experiment {
  id: string
  title: string
  /** One line under the title: what is measured (no lesson prose). */
  caption: string
  setup(): ExperimentSetup
}
