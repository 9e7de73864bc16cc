/**
 * Caps that must hold under bursts, on a real instance: sockets per space (counted at admission,
 * not after connecting), namespaces per Engine.IO connection, Engine.IO connections per client
 * address, and the lesson-1 "slot" streams counted in /healthz.
 */
import { describe, expect, it } from 'vitest'
import type { HealthBody } from '../src/protocol/index.ts'
import { eventually, randomSpace, useCluster } from './harness.ts'
import { engineSession, payload, pollingUrl, raw, SITE } from './security-raw.ts'

/** Sends Socket.IO packets in ONE polling POST (so the server decodes them in one go). */
async function postPackets(base: string, sid: string, ...packets: string[]): Promise<void> {
  const answer = await raw(pollingUrl(base, sid), { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: payload(...packets) })
  expect(answer).toEqual({ status: 200, body: 'ok' })
}

/** Reads Socket.IO packets (`40…` connected, `44…` refused) until `count` CONNECT answers came. */
async function connectAnswers(base: string, sid: string, count: number): Promise<string[]> {
  const answers: string[] = []
  while (answers.length < count) {
    const { body } = await raw(pollingUrl(base, sid))
    answers.push(...body.split('\x1e').filter((packet) => packet.startsWith('40') || packet.startsWith('44')))
  }
  return answers
}

const connected = (answers: string[]): number => answers.filter((packet) => packet.startsWith('40')).length
const refusedWith = (answers: string[]): string[] =>
  answers.filter((packet) => packet.startsWith('44')).map((packet) => /"code":"([A-Z_]+)"/.exec(packet)?.[1] ?? packet)

describe('sockets per space', () => {
  const { at } = useCluster(1, { maxSocketsPerSpace: 2 })

  it('holds the cap when the CONNECTs of one burst are decoded together (it admitted all of them)', async () => {
    const base = at(0).url
    const space = randomSpace()
    const sid = await engineSession(base)
    await postPackets(base, sid, `40/s/${space}/chat,{"label":"A"}`, `40/s/${space}/admin,{"label":"B"}`, `40/observe,{"space":"${space}"}`)
    const answers = await connectAnswers(base, sid, 3)
    expect(connected(answers)).toBe(2)
    expect(refusedWith(answers)).toEqual(['SPACE_FULL'])

    // The refused one left no slot taken; the others give theirs back when the connection closes.
    await postPackets(base, sid, '1')
    const again = await engineSession(base)
    await postPackets(base, again, `40/s/${space}/chat,{"label":"C"}`, `40/s/${space}/admin,{"label":"D"}`)
    expect(connected(await connectAnswers(base, again, 2))).toBe(2)
  })
})

describe('namespaces per Engine.IO connection', () => {
  const { at } = useCluster(1, { maxNamespacesPerConnection: 2 })

  it('refuses the namespace past the cap on one connection with NAMESPACE_LIMIT', async () => {
    const base = at(0).url
    const sid = await engineSession(base)
    const spaces = [randomSpace(), randomSpace(), randomSpace()]
    await postPackets(base, sid, ...spaces.map((space) => `40/s/${space}/chat,{"label":"A"}`))
    const answers = await connectAnswers(base, sid, 3)
    expect(connected(answers)).toBe(2)
    expect(refusedWith(answers)).toEqual(['NAMESPACE_LIMIT'])
    // Leaving one namespace frees its place on the connection.
    await postPackets(base, sid, `41/s/${spaces[0]}/chat,`, `40/s/${randomSpace()}/chat,{"label":"B"}`)
    expect(connected(await connectAnswers(base, sid, 1))).toBe(1)
  })
})

describe('connections per client address', () => {
  const { at } = useCluster(1, { maxConnectionsPerAddress: 3 })

  it('refuses the Engine.IO connection past the cap with TOO_MANY_CONNECTIONS, and frees it on close', async () => {
    const base = at(0).url
    const sids = [await engineSession(base), await engineSession(base), await engineSession(base)]
    const fourth = await raw(`${base}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: SITE } })
    expect(fourth.status).toBe(429)
    expect(JSON.parse(fourth.body)).toMatchObject({ message: 'TOO_MANY_CONNECTIONS' })
    await postPackets(base, sids[0] as string, '1')
    await eventually(async () => expect(await engineSession(base)).toMatch(/\S/))
  })
})

describe('/healthz', () => {
  const { at } = useCluster(1)

  it('counts the lesson-1 slot streams that are open', async () => {
    const base = at(0).url
    const health = async (): Promise<HealthBody> => (await (await fetch(`${base}/healthz`)).json()) as HealthBody
    const space = randomSpace()
    const streams = [new AbortController(), new AbortController()]
    await Promise.all(
      streams.map((controller, n) => fetch(`${base}/t/${space}/slot/${n}`, { headers: { Origin: SITE }, signal: controller.signal })),
    )
    expect((await health()).slotStreams).toBe(2)
    for (const controller of streams) controller.abort()
    await eventually(async () => expect((await health()).slotStreams).toBe(0))
  })
})
