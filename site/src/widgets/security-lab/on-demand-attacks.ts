/**
 * Loaded on the first click of an attack button: the code that runs every attack (forged tokens,
 * floods, oversized packets, the cross-origin frame...). The page budget counts it apart.
 */
import { ACTION_RUNS } from './action-attacks.ts'
import { HANDSHAKE_RUNS } from './handshake-attacks.ts'
import type { AttackRuns } from './types.ts'
import { WIRE_RUNS } from './wire-attacks.ts'

/** Every attack's run, by id: the type makes sure the catalog has no button without one. */
export const RUNS: AttackRuns = { ...HANDSHAKE_RUNS, ...ACTION_RUNS, ...WIRE_RUNS }
