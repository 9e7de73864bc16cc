/**
 * What the contract scenarios are written with: a `World` (a `SandboxConnector` plus the limits
 * its server runs with) and, per scenario, a `Kit` that opens clients and observers through the
 * connector only, waits on conditions, and closes everything it opened.
 *
 * Nothing here knows whether the connector is the in-memory fake or socket.io-client talking to
 * real instances: that is the point of the suite.
 */
import type {
  ClientRequestMap,
  ConnectFailure,
  LocalErrorAck,
  SandboxClient,
  SandboxConnector,
  SandboxInstance,
  SandboxObserver,
} from '../../site/src/sandbox/connector.ts'
import type { SecureConnector } from '../../site/src/sandbox/secure-client.ts'
import type { HelloEvent, LearnerNamespace, MessageEvent, SendCall, TraceEvent } from '@realtime-workbook/sandbox-server/protocol'
import { eventually as waitUntil } from '../../sandbox-server/test/eventually.ts'

/** One implementation under test. */
export interface World {
  connector: SandboxConnector
  /** Lesson 4's client (tokens, `/secure`) over the same cluster. */
  secure: SecureConnector
  /** The `fetch` a widget is given: it reaches the directory's emitter (`POST {emitter.base}/emit`). */
  fetch: typeof fetch
  /** The limits the server runs with (the fake must take the same from the server's config). */
  limits: { maxSocketsPerSpace: number; maxRoomsPerSocket: number; eventBurst: number }
  /** A space code no other scenario uses. */
  newSpace(): string
}

/** A connected playground client and everything it received. */
export interface Peer {
  client: SandboxClient
  hello: HelloEvent
  inbox: MessageEvent[]
  /** Texts received, barrier messages left out. */
  texts(): string[]
  send(call: SendCall, rooms: string[], text: string): ReturnType<SandboxClient['request']>
  join(room: string): ReturnType<SandboxClient['request']>
}

/** An observer of one space on one instance, with the trace it received. */
export interface Watcher {
  observer: SandboxObserver
  hello: HelloEvent
  trace: TraceEvent[]
}

export type Ack = ClientRequestMap[keyof ClientRequestMap][1] | LocalErrorAck

const BARRIER = 'barrier '

/**
 * Waits until `check` passes (the contract's scenarios allow a real cluster a little longer).
 *
 * @example
 * await eventually(() => expect(b.texts()).toEqual(['hi']))
 */
export const eventually = (check: () => void | Promise<void>, timeoutMs = 4_000): Promise<void> => waitUntil(check, timeoutMs, 10)

/**
 * Sends what no typed widget can send (an unknown event, a malformed payload): the error
 * scenarios need exactly that. The one cast in the suite, on a test-only path.
 *
 * @example
 * await rawRequest(a.client, 'nope', {}) // => { error: { code: 'UNKNOWN_EVENT', ... } }
 */
export function rawRequest(client: SandboxClient, event: string, payload: unknown): Promise<unknown> {
  const untyped = client.request as (event: string, payload: unknown) => Promise<unknown>
  return untyped(event, payload)
}

/** The per-scenario helper; create with {@link createKit}, close with `kit.close()`. */
export type Kit = Awaited<ReturnType<typeof createKit>>

/** What a scenario opened: `kit.close()` closes it all. */
type Opened = { close(): void }[]

/** Opens a client; its hello resolves with the greeting, or rejects with its connect failure. */
function openClient(
  connector: SandboxConnector,
  opened: Opened,
  instance: SandboxInstance,
  namespace: LearnerNamespace,
  label: string,
  space: string,
) {
  const client = connector.connectClient({ instance, namespace, label, space })
  opened.push(client)
  const inbox: MessageEvent[] = []
  client.on('message', (message) => inbox.push(message))
  const hello = new Promise<HelloEvent>((resolve, reject) => {
    client.on('hello', resolve)
    client.on('connect_error', (failure) => {
      client.close() // a refused client must not retry in the background
      reject(Object.assign(new Error(failure.message), { failure }))
    })
  })
  return { client, inbox, hello }
}

/** Resolves with why an opened client was refused; rejects if it was greeted instead. */
async function refusal(hello: Promise<HelloEvent>): Promise<ConnectFailure> {
  try {
    const greeted = await hello
    throw new Error(`expected a refusal, got hello from ${greeted.instance}`)
  } catch (error) {
    const failure = (error as { failure?: ConnectFailure }).failure
    if (!failure) throw error
    return failure
  }
}

/** Opens an observer of `space` on `instance`; resolves once it is greeted. */
async function openWatcher(connector: SandboxConnector, opened: Opened, instance: SandboxInstance, space: string): Promise<Watcher> {
  const observer = connector.observe({ instance, space })
  opened.push(observer)
  const trace: TraceEvent[] = []
  observer.on('trace', (event) => trace.push(event))
  const hello = await new Promise<HelloEvent>((resolve, reject) => {
    observer.on('hello', resolve)
    observer.on('connect_error', (failure) => reject(new Error(`observer refused: ${failure.code}`)))
  })
  return { observer, hello, trace }
}

/**
 * Opens the world's directory and returns the scenario helpers.
 *
 * @example
 * const kit = await createKit(world)
 * const a = await kit.client(0, '/chat', 'A', kit.space())
 */
export async function createKit(world: World) {
  const { connector } = world
  const { instances } = await connector.directory()
  const opened: Opened = []
  let barriers = 0

  const at = (n: number): SandboxInstance => {
    const instance = instances[n]
    if (!instance) throw new Error(`no instance ${n}: the directory lists ${instances.length}`)
    return instance
  }

  const kit = {
    world,
    instances,
    at,
    space: (): string => world.newSpace(),
    eventually,

    async client(n: number, namespace: LearnerNamespace, label: string, space: string): Promise<Peer> {
      const { client, inbox, hello } = openClient(connector, opened, at(n), namespace, label, space)
      return {
        client,
        hello: await hello,
        inbox,
        texts: () => inbox.map((m) => m.text).filter((text) => !text.startsWith(BARRIER)),
        send: (call, rooms, text) => client.request('send', { call, rooms, text }),
        join: (room) => client.request('room:join', { room }),
      }
    },

    /** Opens a client that must be refused; resolves with why. */
    async refused(n: number, namespace: LearnerNamespace, label: string, space: string): Promise<ConnectFailure> {
      return refusal(openClient(connector, opened, at(n), namespace, label, space).hello)
    },

    /** One observer of `space` on each listed instance (all by default), greeted. */
    async watch(space: string, on: number[] = instances.map((_, n) => n)): Promise<Watcher[]> {
      return Promise.all(on.map((n) => openWatcher(connector, opened, at(n), space)))
    },

    /** Opens an observer that must be refused; resolves with why. */
    async watchRefused(n: number, space: string): Promise<ConnectFailure> {
      const observer = connector.observe({ instance: at(n), space })
      opened.push(observer)
      return new Promise((resolve, reject) => {
        observer.on('connect_error', resolve)
        observer.on('hello', (hello) => reject(new Error(`expected a refusal, got hello from ${hello.instance}`)))
      })
    },

    /**
     * A delivery barrier: `sender` runs `io.emit` of a fresh text and this waits until every one
     * of `receivers` (same space and namespace) has it. Anything sent before that did not reach
     * them never will: assert "did not receive" after this, never after a sleep.
     */
    async barrier(sender: Peer, receivers: Peer[]): Promise<void> {
      const text = `${BARRIER}${++barriers}`
      await sender.send('io.emit', [], text)
      await eventually(() => {
        for (const peer of receivers) {
          if (!peer.inbox.some((m) => m.text === text)) throw new Error(`${peer.client.label} has not got "${text}" yet`)
        }
      })
    },

    close(): void {
      for (const thing of opened.splice(0)) thing.close()
    },
  }
  return kit
}
