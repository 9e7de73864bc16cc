/**
 * Opens the lab's sockets for a run and waits until the server says hello (or refuses). Every
 * socket is tracked by the run's context, so it is closed when the run ends or the session resets.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import type { ResilienceClient, ResilienceConnectOptions } from '../../sandbox/resilience-client.ts'
import type { ResilienceHelloEvent } from '@realtime-workbook/sandbox-server/protocol'
import type { LabContext } from './types.ts'
import type { Side } from './recovery.ts'

export const HELLO_WAIT_MS = 6000

/** A connected lab socket and the server's first hello. */
export interface LabPeer {
  client: ResilienceClient
  hello: ResilienceHelloEvent
}

export interface OpenOptions {
  instance: SandboxInstance
  side: Side
  label: string
  /** socket.io-client's resilience options for this socket. */
  options?: Pick<ResilienceConnectOptions, 'retries' | 'ackTimeout' | 'reconnectionDelay' | 'randomizationFactor'>
}

/**
 * Opens one socket on `side` of the learner's space; rejects with the refusal's code and message.
 *
 * @example
 * const sender = await openLab(ctx, { instance: ctx.instances[0], side: 'streams', label: 'sender' })
 */
export function openLab(ctx: LabContext, o: OpenOptions): Promise<LabPeer> {
  const client = ctx.track(
    ctx.lab.connect({ ...o.options, instance: o.instance, space: ctx.space, namespace: `/${o.side}`, label: o.label }),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${o.label} got no hello within ${HELLO_WAIT_MS / 1000} s`)), HELLO_WAIT_MS)
    const offHello = client.on('hello', (hello) => {
      clearTimeout(timer)
      offHello()
      offError()
      resolve({ client, hello })
    })
    const offError = client.on('connect_error', (failure) => {
      clearTimeout(timer)
      offHello()
      offError()
      client.close() // a refused socket must not retry in the background
      reject(new Error(`${o.label} refused: ${failure.code} ${failure.message}`))
    })
  })
}

/**
 * Opens `count` sockets, a few at a time (the per-address handshake budget is shared).
 *
 * @example
 * const crowd = await openMany(ctx, 30, (n) => ({ instance, side: 'pubsub', label: `v${n}` }))
 */
export async function openMany(ctx: LabContext, count: number, each: (n: number) => OpenOptions, batch = 10): Promise<LabPeer[]> {
  const peers: LabPeer[] = []
  for (let start = 0; start < count && ctx.current(); start += batch) {
    const size = Math.min(batch, count - start)
    peers.push(...(await Promise.all(Array.from({ length: size }, (_, i) => openLab(ctx, each(start + i + 1))))))
  }
  return peers
}
