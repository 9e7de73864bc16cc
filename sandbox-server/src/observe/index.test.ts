import { Adapter } from 'socket.io-adapter'
import { expect, it } from 'vitest'
import { traceDeliveries, type Tracer } from './index.ts'

/** An in-memory adapter over a namespace of three sockets, A and B in room paris. */
function setup(watching: boolean) {
  const delivered: { traceId: string; socketId: string; label: string }[] = []
  const written: string[] = []
  const sockets = new Map(
    ['A', 'B', 'C'].map((label) => {
      const id = `sid-${label}`
      return [id, { id, data: { label }, client: { writeToEngine: () => written.push(id) }, join: () => undefined }] as const
    }),
  )
  const nsp = { name: '/s/k7q2mx/chat', sockets, server: { encoder: { encode: (packet: unknown) => [JSON.stringify(packet)] } } }
  const adapter = new Adapter(nsp as never)
  adapter.addAll('sid-A', new Set(['sid-A', 'paris']))
  adapter.addAll('sid-B', new Set(['sid-B', 'paris']))
  adapter.addAll('sid-C', new Set(['sid-C']))
  const tracer: Tracer = {
    watching: () => watching,
    emit: () => undefined,
    delivered: (_space, _namespace, traceId, socket) => delivered.push({ traceId, ...socket }),
  }
  expect(traceDeliveries(adapter, tracer, 'k7q2mx', '/chat')).toBe(true)
  const message = (traceId: string) => ({ type: 2, data: ['message', { traceId, text: 'hi' }] })
  return { adapter, delivered, written, message }
}

it("reports each local recipient of a traced space's message broadcasts, and still writes to them", () => {
  const { adapter, delivered, written, message } = setup(true)
  adapter.broadcast(message('i1.x.1') as never, { rooms: new Set(['paris']), except: new Set(['sid-A']) })
  expect(delivered).toEqual([{ traceId: 'i1.x.1', socketId: 'sid-B', label: 'B' }])
  expect(written).toEqual(['sid-B'])
  // Other packets and other uses of apply() (fetchSockets, socketsJoin...) report nothing.
  adapter.broadcast({ type: 2, data: ['hello', {}] } as never, { rooms: new Set(), except: new Set() })
  adapter.addSockets({ rooms: new Set(['paris']), except: new Set() }, ['lyon'])
  expect(delivered).toHaveLength(1)
  expect(written).toEqual(['sid-B', 'sid-A', 'sid-B', 'sid-C'])
})

it('reports nothing while nobody watches the space', () => {
  const { adapter, delivered, written, message } = setup(false)
  adapter.broadcast(message('i1.x.2') as never, { rooms: new Set(), except: new Set() })
  expect(delivered).toEqual([])
  expect(written).toHaveLength(3)
})

it('declines an adapter without the hooks (the caller then traces per socket)', () => {
  const tracer: Tracer = { watching: () => true, emit: () => undefined, delivered: () => undefined }
  expect(traceDeliveries({}, tracer, 'k7q2mx', '/chat')).toBe(false)
})
