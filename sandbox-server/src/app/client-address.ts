/**
 * Who a request comes from, in ONE rule for every per-address cap, rate limit and log line
 * (the Engine.IO guard, the token route, the instructor's and the Admin UI's refusals).
 *
 * Behind nginx every TCP peer is nginx, so the whole class would share one budget. nginx says who
 * the client is in `X-Forwarded-For` (`$proxy_add_x_forwarded_for`: the header it received, then
 * the address it saw). Anyone can send that header too, so it is believed only from the proxies
 * the deployment lists (`SANDBOX_TRUSTED_PROXIES`), and only as far as they vouch for it:
 *
 * - TCP peer not trusted (or nobody trusted, the default): the TCP peer; the header is ignored,
 *   so a client connecting directly can never choose its address.
 * - TCP peer trusted: the header is walked from the RIGHT (the entry the nearest proxy appended
 *   first), past entries that are trusted proxies too; the first untrusted address is the client.
 *   Entries left of it were written by the client and are never read.
 * - Anything else stops the walk at the last trusted hop, whose address is then the answer (with
 *   one proxy: the TCP peer): an entry that is not an IP address (a trusted hop passed on
 *   something no proxy writes), an absent or empty header, all entries trusted (the leftmost),
 *   or {@link FORWARDED_FOR_MAX_HOPS} hops walked. Only the last {@link FORWARDED_FOR_MAX_CHARS}
 *   characters of the header are read (its first, cut entry dropped): a long header costs nothing
 *   and its right end, which the proxies wrote, is still read.
 *
 * Several `X-Forwarded-For` headers are one list (Node joins them with `, `). The RFC 7239
 * `Forwarded` header is not read (nginx sends `X-Forwarded-For`).
 *
 * @module
 */
import { BlockList, isIP } from 'node:net'
import type { IncomingMessage } from 'node:http'
import { canonicalAddress, optionLabel, parseConfig, trustedProxyList } from '../config/index.ts'

/** How much of `X-Forwarded-For` is read, from its right end, in characters. */
export const FORWARDED_FOR_MAX_CHARS = 1024

/** How many `X-Forwarded-For` entries are walked at most (proxies in a row). */
export const FORWARDED_FOR_MAX_HOPS = 16

/** What {@link clientAddressOf} reads of a request (an `IncomingMessage` has it). */
export type ForwardedRequest = Pick<IncomingMessage, 'headers'> & { socket: { remoteAddress?: string | undefined } }

/**
 * A deployment's trusted proxies (`SANDBOX_TRUSTED_PROXIES`), matched with Node's `BlockList`.
 *
 * @example
 * const proxies = new TrustedProxies(['10.0.0.10', 'fd00::/64'])
 * proxies.trusts('::ffff:10.0.0.10') // => true
 * proxies.trusts('10.0.0.11') // => false
 */
export class TrustedProxies {
  /** Trusts nobody: every request is its TCP peer (what a process with no proxy in front uses). */
  static readonly none = new TrustedProxies([])

  /**
   * IPv4 addresses, compared as strings (their dotted form is unique): the usual entry, nginx's
   * address, costs a `Set` lookup, where a `BlockList.check` costs microseconds (an untrusted peer:
   * 5.7 µs with BlockList only, 0.45 µs so, on a loaded 2-core machine).
   */
  readonly #ipv4 = new Set<string>()
  /** Ranges and IPv6 addresses (an IPv6 address has several spellings: BlockList compares values). */
  readonly #list: BlockList | null
  readonly #any: boolean

  /** `entries`: addresses and CIDR ranges as `SANDBOX_TRUSTED_PROXIES` takes them; a bad one throws a `ConfigError` naming it. */
  constructor(entries: readonly string[]) {
    const proxies = parseConfig(trustedProxyList, [...entries], { source: 'trusted proxies', label: optionLabel })
    const list = new BlockList()
    let listed = false
    for (const proxy of proxies) {
      const [address = '', prefix] = proxy.split('/')
      const family = isIP(address) === 4 ? 'ipv4' : 'ipv6'
      listed ||= prefix !== undefined || family === 'ipv6'
      if (prefix !== undefined) list.addSubnet(address, Number(prefix), family)
      else if (family === 'ipv6') list.addAddress(address, family)
      else this.#ipv4.add(address)
    }
    this.#list = listed ? list : null
    this.#any = proxies.length > 0
  }

  /** Whether any proxy is trusted (if not, a request is always its TCP peer). */
  get any(): boolean {
    return this.#any
  }

  /** Whether `address` (any IP form; anything else is never trusted) is one of the proxies. */
  trusts(address: string): boolean {
    const canonical = this.#any ? canonicalAddress(address) : null
    return canonical !== null && this.trustsCanonical(canonical)
  }

  /** {@link trusts} for an address already in `canonicalAddress` form (the header walk has it). */
  trustsCanonical(canonical: string): boolean {
    if (this.#ipv4.has(canonical)) return true
    return this.#list?.check(canonical, isIP(canonical) === 4 ? 'ipv4' : 'ipv6') ?? false
  }
}

/**
 * The client address of a request, by the rule of this module: the TCP peer (as Node reports it,
 * `'unknown'` once the socket is gone) unless that peer is a trusted proxy, else the address the
 * trusted proxies vouch for in `X-Forwarded-For` (canonical: IPv4-mapped as IPv4).
 *
 * @example
 * // nginx (10.0.0.10, trusted) forwards a client that forged "1.2.3.4":
 * clientAddressOf({ socket: { remoteAddress: '10.0.0.10' }, headers: { 'x-forwarded-for': '1.2.3.4, 203.0.113.7' } }, proxies)
 * // => '203.0.113.7'
 */
export function clientAddressOf(req: ForwardedRequest, proxies: TrustedProxies): string {
  const peer = req.socket.remoteAddress
  if (peer === undefined) return 'unknown'
  if (!proxies.any || !proxies.trusts(peer)) return peer
  return forwardedClient(req.headers['x-forwarded-for'], proxies, peer)
}

/** The walk of `X-Forwarded-For` from the right, once the TCP peer (`peer`) is known to be trusted. */
function forwardedClient(header: string | string[] | undefined, proxies: TrustedProxies, peer: string): string {
  if (header === undefined) return peer
  const text = Array.isArray(header) ? header.join(', ') : header
  const hops = text.slice(-FORWARDED_FOR_MAX_CHARS).split(',')
  // The read window may start inside an entry: that part is not an address, leave it out.
  if (text.length > FORWARDED_FOR_MAX_CHARS) hops.shift()
  let client = peer
  for (let n = hops.length - 1, walked = 0; n >= 0 && walked < FORWARDED_FOR_MAX_HOPS; n--, walked++) {
    const address = canonicalAddress((hops[n] ?? '').trim())
    // Not an address: no proxy writes that, so the trusted hop that passed it on is the answer.
    if (address === null) return client
    client = address
    if (!proxies.trustsCanonical(address)) return client
  }
  return client
}
