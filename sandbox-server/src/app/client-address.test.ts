/**
 * The client-address rule: X-Forwarded-For is believed only from trusted proxies and only as far
 * as they vouch for it (walked from the right), bounded, IPv6 and IPv4-mapped included.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../config/index.ts'
import {
  clientAddressOf,
  FORWARDED_FOR_MAX_CHARS,
  FORWARDED_FOR_MAX_HOPS,
  TrustedProxies,
  type ForwardedRequest,
} from './client-address.ts'

/** A request from `peer` carrying `forwarded` as X-Forwarded-For (several: as Node joins them). */
const from = (peer: string | undefined, forwarded?: string | string[]): ForwardedRequest => ({
  socket: { remoteAddress: peer },
  headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
})

const nginx = new TrustedProxies(['10.0.0.10'])

describe('clientAddressOf', () => {
  it('trusts nobody by default: the TCP peer, exactly as Node reports it, whatever the header says', () => {
    expect(clientAddressOf(from('203.0.113.7', '1.2.3.4'), TrustedProxies.none)).toBe('203.0.113.7')
    expect(clientAddressOf(from('::ffff:127.0.0.1', '1.2.3.4'), TrustedProxies.none)).toBe('::ffff:127.0.0.1')
    expect(clientAddressOf(from(undefined), TrustedProxies.none)).toBe('unknown')
  })

  it('does not believe a client that connects directly and forges X-Forwarded-For', () => {
    expect(clientAddressOf(from('203.0.113.7', '1.2.3.4'), nginx)).toBe('203.0.113.7')
    expect(clientAddressOf(from('203.0.113.7', '10.0.0.10'), nginx)).toBe('203.0.113.7')
  })

  it('behind a trusted proxy: the address it appended, never what the client wrote left of it', () => {
    expect(clientAddressOf(from('10.0.0.10', '198.51.100.4'), nginx)).toBe('198.51.100.4')
    expect(clientAddressOf(from('10.0.0.10', '1.2.3.4, 6.6.6.6, 198.51.100.4'), nginx)).toBe('198.51.100.4')
    // Several headers, as Node joins them.
    expect(clientAddressOf(from('10.0.0.10', ['1.2.3.4', '198.51.100.4']), nginx)).toBe('198.51.100.4')
  })

  it('walks past a chain of two trusted proxies (an address and a range)', () => {
    const chain = new TrustedProxies(['10.0.0.10', '192.168.50.0/24'])
    expect(clientAddressOf(from('10.0.0.10', '6.6.6.6, 198.51.100.4, 192.168.50.3'), chain)).toBe('198.51.100.4')
  })

  it('stops at an untrusted hop in the middle: it is the client, whatever it forwarded', () => {
    expect(clientAddressOf(from('10.0.0.10', '198.51.100.4, 203.0.113.99'), nginx)).toBe('203.0.113.99')
  })

  it('a malformed entry stops the walk at the trusted hop that passed it on', () => {
    const chain = new TrustedProxies(['10.0.0.10', '10.0.0.11'])
    for (const header of ['evil', '', ' , ', '198.51.100.4:443', '[2001:db8::1]', 'fe80::1%eth0', 'unknown'])
      expect(clientAddressOf(from('10.0.0.10', header), nginx), header).toBe('10.0.0.10')
    expect(clientAddressOf(from('10.0.0.10', 'evil, 10.0.0.11'), chain)).toBe('10.0.0.11')
    expect(clientAddressOf(from('10.0.0.10'), nginx)).toBe('10.0.0.10')
  })

  it('reads only the right end of an oversized header, and at most the hop limit', () => {
    const long = `${'6.6.6.6, '.repeat(2_000)}198.51.100.4`
    expect(long.length).toBeGreaterThan(FORWARDED_FOR_MAX_CHARS)
    expect(clientAddressOf(from('10.0.0.10', long), nginx)).toBe('198.51.100.4')
    // A cut leftmost entry ("...6.6.6" of "16.6.6.6") is dropped, never read as an address.
    const cut = `16.6.6.6,${' '.repeat(FORWARDED_FOR_MAX_CHARS - 9)}10.0.0.10`
    expect(clientAddressOf(from('10.0.0.10', cut), nginx)).toBe('10.0.0.10')
    // All trusted: the leftmost walked, after at most FORWARDED_FOR_MAX_HOPS hops.
    const everyone = new TrustedProxies(['10.1.0.0/16'])
    const hops = Array.from({ length: 40 }, (_, n) => `10.1.0.${n + 1}`).join(', ')
    expect(clientAddressOf(from('10.1.0.200', hops), everyone)).toBe(`10.1.0.${40 - FORWARDED_FOR_MAX_HOPS + 1}`)
  })

  it('IPv6 and IPv4-mapped peers and entries: matched and answered in one form', () => {
    const mixed = new TrustedProxies(['fd00::/64', '::ffff:10.0.0.10'])
    expect(clientAddressOf(from('::ffff:10.0.0.10', '2001:DB8::7'), mixed)).toBe('2001:db8::7')
    expect(clientAddressOf(from('FD00::1', '::ffff:198.51.100.4'), mixed)).toBe('198.51.100.4')
    expect(clientAddressOf(from('fd00::1:2', 'fd00::3, 198.51.100.4, fd00::9'), mixed)).toBe('198.51.100.4')
    expect(clientAddressOf(from('fd01::1', '198.51.100.4'), mixed)).toBe('fd01::1')
  })
})

describe('TrustedProxies', () => {
  it('matches addresses and ranges of both families, IPv4-mapped included', () => {
    const proxies = new TrustedProxies(['10.0.0.10', '192.168.50.0/24', 'fd00::/8', '::ffff:172.16.0.0/108'])
    expect(['10.0.0.10', '::ffff:10.0.0.10', '192.168.50.255', 'fdab::1', '172.16.3.4'].map((a) => proxies.trusts(a))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ])
    expect(['10.0.0.11', '192.168.51.1', 'fe80::1', '172.32.0.1', 'garbage', ''].map((a) => proxies.trusts(a))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ])
    expect(TrustedProxies.none.any).toBe(false)
  })

  it('refuses a bad entry with a ConfigError that names it', () => {
    expect(() => new TrustedProxies(['10.0.0.10', 'nginx.local'])).toThrow(ConfigError)
    expect(() => new TrustedProxies(['0.0.0.0/0'])).toThrow(/"0.0.0.0\/0" is not a trusted proxy/)
  })
})
