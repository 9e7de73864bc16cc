/**
 * What the security lab's parts share: an attack, the context it runs in, and what it shows
 * (each step: what was sent and the answer it got, code and message).
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import type { SecureConnector } from '../../sandbox/secure-client.ts'
import type { LearnerSockets } from './learner.ts'
import type { AttackId } from './attack-catalog.ts'

/** The server's (or the browser's) answer to one step: an error code, an HTTP status, a close code. */
export interface Answer {
  code: string
  message: string
}

/** One thing an attack sent, and the answer it got. */
export interface Step {
  sent: string
  answer: Answer
}

/** The narrow slice of the browser an attack needs: injectable, so unit tests run without a network. */
export interface LabPlatform {
  fetch: typeof fetch
  /** Opens a raw WebSocket (the oversized-message attack). */
  openWebSocket(url: string): WebSocket
  /** Where the attacker page's iframe goes while it runs. */
  frameHost: HTMLElement
  /** The page's `window`, whose `message` events carry the attacker page's reports. */
  window: Pick<Window, 'addEventListener' | 'removeEventListener'>
}

/** Everything an attack may use. */
export interface LabContext {
  /** Lesson 4's client: tokens, `/secure` sockets, stats. */
  connector: SecureConnector
  space: string
  instances: SandboxInstance[]
  /** The attacker page's base URL (`/sandbox.json`'s `attacker`), when the launcher serves one. */
  attackerBase: string | undefined
  learners: LearnerSockets
  platform: LabPlatform
}

/** One button of the lab. `label` is the button's text, as lesson 4's "Try it" names it (and explains it). */
export interface Attack {
  id: AttackId
  label: string
  run(ctx: LabContext): Promise<Step[]>
}

/** The run of every attack, by id (on-demand-attacks.ts). */
export type AttackRuns = Record<AttackId, (ctx: LabContext) => Promise<Step[]>>
