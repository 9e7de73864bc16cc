/**
 * The operating values of the instance configuration reach the code that uses them: stream
 * capacity and count, long-poll wait, SSE retry (lesson 1), and the cluster requests' timeout
 * (lesson 3). A real instance on port 0 with the shared Redis under its own key prefix.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SandboxServer } from '../src/index.ts'
import type { PollAnswer } from '../src/protocol/index.ts'
import { eventually, randomSpace, startCluster, stopAll } from './harness.ts'

let instance: SandboxServer
const settings = { streamCapacity: 10, maxStreams: 1, longPollMaxWaitMs: 1_000, sseRetryMs: 1_234, clusterRequestsTimeoutMs: 750 }
const space = randomSpace()

beforeAll(async () => {
  const [first] = await startCluster(1, settings)
  if (!first) throw new Error('no instance')
  instance = first
})
afterAll(async () => {
  await stopAll([instance])
})

const url = (path: string): string => `${instance.url}/t/${path}`
const setRate = (code: string, eventsPerSecond: number): Promise<Response> =>
  fetch(url(`${code}/stream`), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ eventsPerSecond, payloadBytes: 8 }),
  })

it('keeps streamCapacity events per stream and at most maxStreams streams', async () => {
  expect((await setRate(space, 50)).status).toBe(200)
  await eventually(async () => {
    const answer = (await (await fetch(url(`${space}/poll?after=0&waitMs=0`))).json()) as PollAnswer
    expect(answer.gap).toBe(true)
    expect(answer.events).toHaveLength(settings.streamCapacity)
  })
  await setRate(space, 0)
  const other = await setRate(randomSpace(), 1)
  expect(other.status).toBe(503)
  expect(await other.json()).toMatchObject({ error: { code: 'SPACE_FULL' } })
})

it('holds a long poll at most longPollMaxWaitMs and tells EventSource to retry after sseRetryMs', async () => {
  const startedAt = Date.now()
  const answer = (await (await fetch(url(`${space}/poll?waitMs=60000`))).json()) as PollAnswer
  expect(answer.timedOut).toBe(true)
  expect(Date.now() - startedAt).toBeLessThan(settings.longPollMaxWaitMs + 1_000)

  const controller = new AbortController()
  const response = await fetch(url(`${space}/sse`), { signal: controller.signal })
  const first = await response.body?.getReader().read()
  controller.abort()
  expect(new TextDecoder().decode(first?.value)).toContain(`retry: ${settings.sseRetryMs}`)
})

it("gives lesson 3's Redis adapter clusterRequestsTimeoutMs for fetchSockets and serverSideEmit", async () => {
  // The adapter factory picks the adapter by namespace name: a space's /with-redis gets the classic one.
  const nsp = instance.io.of(`/s/${randomSpace()}/with-redis`)
  expect(nsp.adapter.constructor.name).toBe('ClusterLessonAdapter')
  expect(nsp.adapter).toHaveProperty('requestsTimeout', settings.clusterRequestsTimeoutMs)
})
