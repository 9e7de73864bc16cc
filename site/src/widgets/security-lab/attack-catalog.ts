/**
 * The lab's attacks as the page lists them: id and button text, in lesson 4's order (the lesson's
 * "Try it" names them by these labels). Plain data, so the page carries the buttons only; the code
 * that runs an attack loads on the first click (on-demand-attacks.ts).
 */

/** @example ATTACKS.map((a) => a.label)[0] // => 'no token' */
export const ATTACKS = [
  { id: 'no-token', label: 'no token' },
  { id: 'forged', label: 'forged token' },
  { id: 'expired', label: 'expired token' },
  { id: 'other-space', label: 'token of another space' },
  { id: 'learner', label: 'connect with a learner token' },
  { id: 'forbidden-room', label: 'forbidden room' },
  { id: 'forbidden-event', label: 'forbidden event' },
  { id: 'flood-one', label: 'flood from one socket' },
  { id: 'flood-three', label: 'flood from three sockets on three instances' },
  { id: 'markup', label: 'markup in a message' },
  { id: 'oversized', label: 'oversized message' },
  { id: 'cross-origin', label: 'cross-origin handshake' },
] as const

/** The id of one of {@link ATTACKS}. */
export type AttackId = (typeof ATTACKS)[number]['id']
