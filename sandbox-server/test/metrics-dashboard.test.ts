/**
 * docs/monitoring stays true: every metric the Grafana dashboard queries exists in a real scrape
 * of a running instance after some traffic, and the Prometheus config scrapes exactly the
 * instances `npm start` starts with its defaults (read from the launcher's config, not copied).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { load } from 'js-yaml'
import { io as connect } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { clusterConfigs, resolveLauncherConfig } from '../../scripts/start/config.ts'
import { parseExposition } from '../src/metrics/exposition.ts'
import { eventually, randomSpace, request, useCluster } from './harness.ts'
import { engineSession, EVIL, payload, pollingUrl, raw, SITE } from './security-raw.ts'

const MONITORING = join(import.meta.dirname, '..', '..', 'docs', 'monitoring')
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
])

/**
 * The metric names a PromQL expression reads: identifiers left once strings, label matchers,
 * ranges and `by (...)` groupings are removed, that are neither functions nor keywords.
 *
 * @example
 * metricNames('sum by (le) (rate(x_bucket{a="b"}[5m]))') // => ['x_bucket']
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?![a-zA-Z0-9_:]|\s*\()/g)]
    .map(([name]) => name)
    .filter((name) => !PROMQL_WORDS.has(name.toLowerCase()) && !/^\d/.test(name))
}

/** Every `expr` anywhere in the dashboard. */
function dashboardExprs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(dashboardExprs)
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).flatMap(([key, inner]) => (key === 'expr' && typeof inner === 'string' ? [inner] : dashboardExprs(inner)))
}

describe('metricNames', () => {
  it('keeps metric names, drops functions, labels, ranges and groupings', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(socketio_ack_duration_seconds_bucket{namespace="chat"}[5m])))')).toEqual(
      ['socketio_ack_duration_seconds_bucket'],
    )
    expect(metricNames('max by (instance) (nodejs_eventloop_lag_p99_seconds) / on(instance) up')).toEqual([
      'nodejs_eventloop_lag_p99_seconds',
      'up',
    ])
  })
})

describe('docs/monitoring/grafana-dashboard.json', () => {
  const { at, client } = useCluster(1, { allowedOrigins: [SITE], eventsPerSecond: 1, eventBurst: 5 })

  it('queries only metrics that a real scrape has, after some traffic', async () => {
    const exprs = dashboardExprs(JSON.parse(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8')))
    expect(exprs.length).toBeGreaterThanOrEqual(10)
    const wanted = new Set(exprs.flatMap(metricNames))

    // Traffic that moves every panel: a connection, events with acks, a broadcast, refusals, a disconnect.
    const space = randomSpace()
    const a = await client(at(0), space, '/chat', 'A')
    await request(a, 'room:join', { room: 'paris' })
    await request(a, 'send', { call: 'io.emit', text: 'hi' })
    await Promise.all(Array.from({ length: 8 }, () => request(a, 'room:leave', { room: 'paris' })))
    const bad = connect(`${at(0).url}/s/${space}/chat`, { forceNew: true, transports: ['websocket'], auth: {} })
    await new Promise((resolve) => bad.once('connect_error', resolve))
    bad.disconnect()
    await raw(`${at(0).url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: EVIL } })
    const sid = await engineSession(at(0).url)
    const oversized = await raw(pollingUrl(at(0).url, sid), {
      method: 'POST',
      body: payload(`4${'x'.repeat(at(0).config.maxPacketBytes)}`),
    })
    expect(oversized.status).toBe(413)
    const b = await client(at(0), space, '/admin', 'B')
    b.socket.disconnect()
    // Garbage, so the GC histogram has samples.
    for (let i = 0; i < 200; i++) void new Array(50_000).fill(i).join()

    await eventually(async () => {
      const { samples } = parseExposition(await (await fetch(`${at(0).url}/metrics`)).text())
      const present = new Set(samples.map((sample) => sample.name))
      // `up` is Prometheus's own, not the instance's.
      expect([...wanted].filter((name) => name !== 'up' && !present.has(name))).toEqual([])
    })
  })
})

describe('docs/monitoring/prometheus.yml', () => {
  it('scrapes every instance the launcher starts by default, and nothing else', () => {
    const config = load(readFileSync(join(MONITORING, 'prometheus.yml'), 'utf8'))
    const targets = dashboardTargets(config)
    const { instances } = clusterConfigs(resolveLauncherConfig({}), { sitePort: 4321, lanAddresses: [] }, 'redis://127.0.0.1:6379')
    expect(targets.sort()).toEqual(instances.map((instance) => `127.0.0.1:${instance.port}`).sort())
  })
})

/** Every static target of every scrape job. */
function dashboardTargets(config: unknown): string[] {
  if (typeof config !== 'object' || config === null || !('scrape_configs' in config) || !Array.isArray(config.scrape_configs)) return []
  const staticConfigs: unknown[] = config.scrape_configs.flatMap((job: unknown) =>
    typeof job === 'object' && job !== null && 'static_configs' in job && Array.isArray(job.static_configs) ? job.static_configs : [],
  )
  return staticConfigs.flatMap((entry) =>
    typeof entry === 'object' && entry !== null && 'targets' in entry && Array.isArray(entry.targets)
      ? entry.targets.filter((target): target is string => typeof target === 'string')
      : [],
  )
}
