/**
 * The multi-host test's machines on one machine: two instance hosts and a Redis host as network
 * namespaces (`ip netns`, Debian's iproute2) joined by veth pairs on a bridge, or, when namespaces
 * are not available (not root, no iproute2), loopback addresses (127.0.0.2, 127.0.0.3, 127.0.0.4).
 * Names and the private /24 are unique per run; `destroy()` removes everything it made, and is
 * safe to call after a partial setup.
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { createServer } from 'node:net'

/** One host: where its processes run (`exec` prefixes a command) and the address it listens on. */
export interface Host {
  name: string
  address: string
  /** The command prefix that runs a program on this host (`ip netns exec <ns>`), or nothing. */
  exec: string[]
}

export interface Topology {
  kind: 'netns' | 'loopback'
  /** What the test prints once, so a reader knows which topology ran. */
  description: string
  instanceHosts: [Host, Host]
  redisHost: Host
  /** Where the load balancers listen (this machine's own namespace), one address per nginx. */
  balancerAddresses: [string, string]
  /** Source addresses for the pool of clients (each a different `$remote_addr` for the hash). */
  clientAddresses: string[]
  destroy(): void
}

const CLIENT_ADDRESSES = 16

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** A 10.x.y.0/24 that no interface or route of this machine uses. */
function freeSubnet(): string {
  const used = ip('-4', 'addr') + ip('-4', 'route')
  for (let attempt = 0; attempt < 50; attempt++) {
    const subnet = `10.${randomInt(200, 250)}.${randomInt(1, 255)}`
    if (!used.includes(`${subnet}.`)) return subnet
  }
  throw new Error('no free 10.x.y.0/24 found')
}

/**
 * Namespaces `h1`, `h2`, `redis` and a switch (`sw`, holding the bridge), and an uplink from this
 * namespace to the switch for the balancers and clients. The bridge lives in its own namespace on
 * purpose: with br_netfilter loaded, bridged packets pass the bridge namespace's iptables FORWARD
 * chain, which on a machine with Docker drops them; a fresh namespace has no rules.
 */
function netnsTopology(): Topology {
  const id = randomBytes(3).toString('hex')
  const subnet = freeSubnet()
  const namespaces: string[] = []
  const uplink = `rw${id}up`
  const destroy = (): void => {
    for (const ns of namespaces) execQuiet(['netns', 'del', ns])
    execQuiet(['link', 'del', uplink]) // gone with the switch already; in case the move failed
  }
  const namespace = (role: string): string => {
    const ns = `rtwb-${id}-${role}`
    ip('netns', 'add', ns)
    namespaces.push(ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    return ns
  }
  /** A veth pair: `outside` on the switch's bridge, its peer `inside` (moved to `ns` unless it stays here). */
  const cable = (outside: string, inside: string, ns: string | null): void => {
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside)
    ip('link', 'set', outside, 'netns', sw)
    ip('-n', sw, 'link', 'set', outside, 'master', 'br0', 'up')
    if (ns) ip('link', 'set', inside, 'netns', ns)
  }
  let sw = ''
  try {
    sw = namespace('sw')
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', sw, 'link', 'set', 'br0', 'up')
    cable(`rw${id}us`, uplink, null)
    ip('link', 'set', uplink, 'up')
    const rootAddresses = [1, 2, ...Array.from({ length: CLIENT_ADDRESSES }, (_, n) => 101 + n)].map((n) => `${subnet}.${n}`)
    for (const address of rootAddresses) ip('addr', 'add', `${address}/24`, 'dev', uplink)
    const host = (role: string, last: number): Host => {
      const ns = namespace(role)
      const inside = `rw${id}${role.slice(0, 2)}p`
      cable(`rw${id}${role.slice(0, 2)}`, inside, ns)
      ip('-n', ns, 'addr', 'add', `${subnet}.${last}/24`, 'dev', inside)
      ip('-n', ns, 'link', 'set', inside, 'up')
      return { name: role, address: `${subnet}.${last}`, exec: ['ip', 'netns', 'exec', ns] }
    }
    const [h1, h2, redis] = [host('h1', 11), host('h2', 12), host('redis', 13)]
    return {
      kind: 'netns',
      description:
        `multi-host: network namespaces rtwb-${id}-{h1,h2,redis} (${h1.address}, ${h2.address}, ${redis.address}), ` +
        `each a veth pair on a bridge in rtwb-${id}-sw (${subnet}.0/24); nginx and ${CLIENT_ADDRESSES} client addresses ` +
        `here, on uplink ${uplink} to that bridge`,
      instanceHosts: [h1, h2],
      redisHost: redis,
      balancerAddresses: [`${subnet}.1`, `${subnet}.2`],
      clientAddresses: rootAddresses.slice(2),
      destroy,
    }
  } catch (error) {
    destroy()
    throw error
  }
}

function execQuiet(args: string[]): void {
  try {
    ip(...args)
  } catch {
    /* already gone */
  }
}

function loopbackTopology(reason: string): Topology {
  const local = (name: string, address: string): Host => ({ name, address, exec: [] })
  return {
    kind: 'loopback',
    description: `multi-host: network namespaces unavailable (${reason}); FALLING BACK to loopback addresses 127.0.0.2 / 127.0.0.3 (instances), 127.0.0.4 (Redis)`,
    instanceHosts: [local('h1', '127.0.0.2'), local('h2', '127.0.0.3')],
    redisHost: local('redis', '127.0.0.4'),
    balancerAddresses: ['127.0.0.1', '127.0.0.1'],
    clientAddresses: Array.from({ length: CLIENT_ADDRESSES }, (_, n) => `127.0.1.${n + 1}`),
    destroy: () => undefined,
  }
}

/**
 * Network namespaces when this process may make them (root and `ip` present), else loopback
 * (also when `RTWB_MULTI_HOST_LOOPBACK=1`, to run the fallback on purpose).
 *
 * @example
 * const topology = createTopology()
 * try { ... } finally { topology.destroy() }
 */
export function createTopology(): Topology {
  if (process.env.RTWB_MULTI_HOST_LOOPBACK === '1') return loopbackTopology('RTWB_MULTI_HOST_LOOPBACK=1')
  if (process.getuid?.() !== 0) return loopbackTopology('not root')
  try {
    return netnsTopology()
  } catch (error) {
    return loopbackTopology(`ip netns failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
  }
}

/**
 * A TCP port nothing listens on at `host` right now (for nginx and redis-server, which must be told one).
 *
 * @example
 * const port = await freePortOn('127.0.0.2')
 */
export async function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port was assigned'))))
    })
  })
}

/**
 * A port for a server on `host`: in a fresh namespace nothing else listens, so `fixed` is free; on
 * a shared loopback address, a free one.
 *
 * @example
 * const port = await portOn(topology.redisHost, 6379)
 */
export async function portOn(host: Host, fixed: number): Promise<number> {
  return host.exec.length ? fixed : freePortOn(host.address)
}
