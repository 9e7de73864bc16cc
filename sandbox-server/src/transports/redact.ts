/**
 * What the handshake capture may show. Lesson 1 shows the upgrade's headers as sent, but anyone
 * who knows a space code can read them: credentials a browser attached (cookies, authorization)
 * or a client put in a header (`X-Api-Key`, `X-Auth-Token`, ...) are replaced by `[redacted]`.
 *
 * @module
 */

export const REDACTED = '[redacted]'

/** `Sec-WebSocket-Key` is a nonce the lesson explains, not a credential. */
const NOT_CREDENTIALS = new Set(['sec-websocket-key'])
/** Header names that carry credentials, by exact name or by the words they contain. */
const CREDENTIAL_NAMES = new Set(['cookie', 'authorization', 'proxy-authorization'])
const CREDENTIAL_WORDS = /token|secret|passw|session|credential|auth|apikey|(?:^|[-_])key$/i

/**
 * Whether a request header's value must not be shown.
 *
 * @example
 * isCredentialHeader('X-Api-Key') // => true
 * isCredentialHeader('Sec-WebSocket-Key') // => false
 */
export function isCredentialHeader(name: string): boolean {
  const lower = name.toLowerCase()
  if (NOT_CREDENTIALS.has(lower)) return false
  return CREDENTIAL_NAMES.has(lower) || CREDENTIAL_WORDS.test(lower)
}

/**
 * Replaces credential values with `[redacted]` and names the headers it redacted.
 *
 * @example
 * redactHeaders([['Cookie', 'a=1'], ['Upgrade', 'websocket']])
 * // => { headers: [['Cookie', '[redacted]'], ['Upgrade', 'websocket']], redacted: ['Cookie'] }
 */
export function redactHeaders(headers: readonly (readonly [string, string])[]): { headers: [string, string][]; redacted: string[] } {
  const redacted: string[] = []
  const shown = headers.map(([name, value]): [string, string] => {
    if (!isCredentialHeader(name)) return [name, value]
    redacted.push(name)
    return [name, REDACTED]
  })
  return { headers: shown, redacted }
}
