/**
 * The authorization rules of `/secure`, without sockets: which role may send which event and
 * join which room. One copy, run by the server and by the site's in-memory fake connector.
 *
 * @module
 */
import { SandboxError } from '../errors/index.ts'
import {
  MODERATOR_EVENTS,
  MODERATOR_ROOMS,
  SPACE_CODE_PATTERN,
  SPACE_CODE_RULE,
  type SecureUser,
  type TokenKind,
  type TokenRequest,
} from '../protocol/index.ts'
import type { TokenClaims } from './tokens.ts'

/**
 * The room every socket of one user joins: what "log out everywhere" disconnects.
 *
 * @example
 * userRoom('0b9e…') // => 'user:0b9e…'
 */
export function userRoom(userId: string): string {
  return `user:${userId}`
}

/**
 * Throws `FORBIDDEN` unless `user` may send `event`.
 *
 * @example
 * authorizeEvent({ id: 'u1', name: 'Lea', role: 'learner' }, 'secure:announce') // throws FORBIDDEN
 */
export function authorizeEvent(user: SecureUser, event: string): void {
  if (user.role !== 'moderator' && MODERATOR_EVENTS.some((name) => name === event)) {
    throw new SandboxError('FORBIDDEN', `${event} is for moderators: your token's role is ${user.role}`)
  }
}

/**
 * Throws `FORBIDDEN` unless `user` may join `room`.
 *
 * @example
 * authorizeRoom({ id: 'u1', name: 'Lea', role: 'learner' }, 'moderators') // throws FORBIDDEN
 */
export function authorizeRoom(user: SecureUser, room: string): void {
  if (user.role !== 'moderator' && MODERATOR_ROOMS.some((name) => name === room)) {
    throw new SandboxError('FORBIDDEN', `room "${room}" is for moderators: your token's role is ${user.role}`)
  }
}

/**
 * What to put in a token, from a validated token request: the space (the path's, else the
 * body's) and a lifetime no longer than the instance's. Throws `INVALID_PAYLOAD`.
 *
 * @example
 * tokenClaimsOf({ name: 'Ada', role: 'learner' }, 'k7q2mx', 300) // => { claims: { space: 'k7q2mx', ..., ttlSeconds: 300 }, kind: 'valid' }
 */
export function tokenClaimsOf(
  request: TokenRequest,
  pathSpace: string | undefined,
  lifetimeSeconds: number,
): { claims: TokenClaims; kind: TokenKind } {
  const space = pathSpace ?? request.space
  if (space === undefined || !SPACE_CODE_PATTERN.test(space)) throw new SandboxError('INVALID_PAYLOAD', SPACE_CODE_RULE)
  const ttlSeconds = request.ttlSeconds ?? lifetimeSeconds
  if (ttlSeconds > lifetimeSeconds) {
    throw new SandboxError('INVALID_PAYLOAD', `ttlSeconds must be at most ${lifetimeSeconds} (the instance's token lifetime)`)
  }
  return { claims: { space, name: request.name, role: request.role, ttlSeconds }, kind: request.kind ?? 'valid' }
}
