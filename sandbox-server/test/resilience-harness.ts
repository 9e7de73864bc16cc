/**
 * Lesson 5 test helpers: lab clients through the site's real `ResilienceClient` (socket.io-client
 * in Node), with everything they received recorded, on real instances.
 */
import { io } from 'socket.io-client'
import type { LabMessageEvent, PositionEvent, ResilienceHelloEvent, ResilienceNamespace } from '../src/protocol/index.ts'
import type { SandboxServer } from '../src/index.ts'
import type { ConnectFailure, SandboxInstance } from '../../site/src/sandbox/connector.ts'
import {
  createResilienceConnector,
  type ResilienceClient,
  type ResilienceConnectOptions,
} from '../../site/src/sandbox/resilience-client.ts'

export const lab = createResilienceConnector(io)

/** A running instance as the site's clients address it. */
export const asInstance = (server: SandboxServer): SandboxInstance => ({
  id: server.config.instanceId,
  port: server.port,
  base: server.url,
})

/** A lab client and what it received, in order. */
export interface LabPeer {
  client: ResilienceClient
  hellos: ResilienceHelloEvent[]
  /** `seq` of every `lab:message`, in arrival order. */
  seqs: number[]
  positions: PositionEvent[]
  messages: LabMessageEvent[]
  disconnects: string[]
}

/** Opens a lab client and resolves on its first `hello`, or rejects with its `connect_error`. */
export async function labPeer(
  server: SandboxServer,
  space: string,
  namespace: ResilienceNamespace,
  label: string,
  options: Partial<ResilienceConnectOptions> = {},
  opened: ResilienceClient[] = [],
): Promise<LabPeer> {
  const client = lab.connect({
    instance: asInstance(server),
    space,
    namespace,
    label,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    ...options,
  })
  opened.push(client)
  const peer: LabPeer = { client, hellos: [], seqs: [], positions: [], messages: [], disconnects: [] }
  client.on('lab:message', (message) => {
    peer.messages.push(message)
    peer.seqs.push(message.seq)
  })
  client.on('position', (position) => peer.positions.push(position))
  client.on('disconnect', ({ reason }) => peer.disconnects.push(reason))
  await new Promise<void>((resolve, reject) => {
    const off = client.on('connect_error', (failure: ConnectFailure) => reject(Object.assign(new Error(failure.message), failure)))
    client.on('hello', (hello) => {
      peer.hellos.push(hello)
      off()
      resolve()
    })
  })
  return peer
}

/** A refused lab connection's failure (the test fails if it connects). */
export function labRefusal(
  server: SandboxServer,
  space: string,
  namespace: ResilienceNamespace,
  label: string,
  opened: ResilienceClient[],
): Promise<ConnectFailure> {
  const client = lab.connect({ instance: asInstance(server), space, namespace, label })
  opened.push(client)
  return new Promise((resolve, reject) => {
    client.on('connect_error', (failure) => {
      client.close()
      resolve(failure)
    })
    client.on('hello', () => reject(new Error(`${label} connected; a refusal was expected`)))
  })
}

/** Sends what no typed client can send (unknown events, malformed payloads): the one cast, on a test-only path. */
export function rawLabRequest(client: ResilienceClient, event: string, payload: unknown): Promise<unknown> {
  const untyped = client.request as (event: string, payload: unknown) => Promise<unknown>
  return untyped(event, payload)
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)
