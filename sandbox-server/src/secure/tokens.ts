/**
 * Signed tokens of the `/secure` namespace: short-lived HS256 JWTs (jose) whose audience is the
 * space, issued for a display name and a role, and verified at the handshake with the algorithm
 * pinned to HS256. Every way a token can be wrong maps to its own error code, so the security
 * lab can show which check refused it. The key is a secret: nothing here logs or returns it.
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { decodeProtectedHeader, errors, jwtVerify, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose'
import { SandboxError } from '../errors/index.ts'
import { LABEL_PATTERN, ROLES, type ErrorCode, type Role, type SecureUser, type TokenKind } from '../protocol/index.ts'

/** The only algorithm a token may use; verification pins it (no `alg` confusion, no `none`). */
export const TOKEN_ALGORITHM = 'HS256'
/** `iss` of every token, checked on verification. */
const ISSUER = 'rtwb-sandbox'

/** A signing key, from the configured secret or (instance started alone) a random one. */
export function tokenKey(secret: string | null): Uint8Array {
  return secret === null ? new Uint8Array(randomBytes(32)) : new TextEncoder().encode(secret)
}

/** What to put in a token. */
export interface TokenClaims {
  space: string
  name: string
  role: Role
  ttlSeconds: number
}

/** A space code that is not `space` (the audience of an `other-space` token). */
function anotherSpace(space: string): string {
  return space === 'zzzzzz' ? 'yyyyyy' : 'zzzzzz'
}

/**
 * Issues a token of `kind` (`valid`, or one of the lab's deliberately bad ones).
 *
 * @example
 * const { token } = await issueToken(key, { space: 'k7q2mx', name: 'Ada', role: 'learner', ttlSeconds: 300 })
 */
export async function issueToken(
  key: Uint8Array,
  claims: TokenClaims,
  kind: TokenKind = 'valid',
): Promise<{ token: string; user: SecureUser; expiresAt: number }> {
  const user: SecureUser = { id: randomUUID(), name: claims.name, role: claims.role }
  const now = Math.floor(Date.now() / 1000)
  // An expired token expired a minute ago (well past any clock skew).
  const exp = kind === 'expired' ? now - 60 : now + claims.ttlSeconds
  const body = { name: user.name, role: user.role }
  const audience = kind === 'other-space' ? anotherSpace(claims.space) : claims.space
  if (kind === 'alg-none') {
    const token = new UnsecuredJWT(body)
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .encode()
    return { token, user, expiresAt: exp * 1000 }
  }
  const signWith = kind === 'wrong-key' ? tokenKey(null) : key
  const token = await new SignJWT(body)
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, typ: 'JWT' })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(kind === 'expired' ? exp - claims.ttlSeconds : now)
    .setExpirationTime(exp)
    .sign(signWith)
  return { token, user, expiresAt: exp * 1000 }
}

/** Which code a failed jose verification is. */
function codeOfJoseError(error: unknown): ErrorCode {
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'TOKEN_INVALID_SIGNATURE'
  if (error instanceof errors.JWTExpired) return 'TOKEN_EXPIRED'
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') return 'TOKEN_WRONG_AUDIENCE'
  if (error instanceof errors.JOSEAlgNotAllowed) return 'TOKEN_UNSUPPORTED_ALG'
  return 'TOKEN_MALFORMED'
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  TOKEN_MISSING: 'no token: connect with auth: { token: "<jwt>" } and nothing else (ask POST /s/<space>/token for one)',
  TOKEN_MALFORMED: 'the token is not a sandbox JWT',
  TOKEN_INVALID_SIGNATURE: 'the token signature does not match the server key',
  TOKEN_ALG_NONE: 'the token is unsigned (alg: none); only HS256 tokens are accepted',
  TOKEN_UNSUPPORTED_ALG: 'the token uses another algorithm; only HS256 tokens are accepted',
  TOKEN_EXPIRED: 'the token has expired: ask for a new one',
  TOKEN_WRONG_AUDIENCE: 'the token was issued for another space',
}

/** A `SandboxError` for a token refusal, with its fixed message (never echoing the token). */
export function tokenError(code: ErrorCode): SandboxError {
  return new SandboxError(code, MESSAGES[code] ?? 'the token was refused')
}

/** The claims of a verified token, as a user, or `null` when they are not ours. */
function userOf(payload: JWTPayload): SecureUser | null {
  const { sub, name, role } = payload
  if (typeof sub !== 'string' || typeof name !== 'string' || !LABEL_PATTERN.test(name)) return null
  const knownRole = ROLES.find((known) => known === role)
  return knownRole ? { id: sub, name, role: knownRole } : null
}

/**
 * Verifies a handshake token for `space`: HS256 only, our issuer, audience = the space, not
 * expired. Throws a `SandboxError` with the code of the first failed check.
 *
 * @example
 * const { user, expiresAt } = await verifyToken(key, socket.handshake.auth.token, 'k7q2mx')
 */
export async function verifyToken(key: Uint8Array, token: unknown, space: string): Promise<{ user: SecureUser; expiresAt: number }> {
  if (typeof token !== 'string' || token === '') throw tokenError('TOKEN_MISSING')
  let alg: unknown
  try {
    alg = decodeProtectedHeader(token).alg
  } catch {
    throw tokenError('TOKEN_MALFORMED')
  }
  if (alg === 'none') throw tokenError('TOKEN_ALG_NONE')
  if (alg !== TOKEN_ALGORITHM) throw tokenError('TOKEN_UNSUPPORTED_ALG')
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [TOKEN_ALGORITHM],
      issuer: ISSUER,
      audience: space,
      requiredClaims: ['exp', 'sub'],
    })
    const user = userOf(payload)
    if (!user || typeof payload.exp !== 'number') throw tokenError('TOKEN_MALFORMED')
    return { user, expiresAt: payload.exp * 1000 }
  } catch (error) {
    throw error instanceof SandboxError ? error : tokenError(codeOfJoseError(error))
  }
}
