/**
 * The lab's authenticated sockets: a token for a learner (from the sandbox's token route; the
 * browser never signs anything), and `/secure` sockets opened with it on any instance, waited on
 * until the server says hello or refuses the handshake.
 */
import type { ClientErrorBody, SandboxInstance } from '../../sandbox/connector.ts'
import type { SecureClient, SecureConnector } from '../../sandbox/secure-client.ts'
import type { SecureHelloEvent, TokenAnswer, TokenKind } from '@realtime-workbook/sandbox-server/protocol'
import type { Step } from './types.ts'

export const HANDSHAKE_WAIT_MS = 5000
/** The display name of the lab's learner. */
export const LEARNER_NAME = 'Ada'

/** A handshake's outcome: connected (with the server's hello) or refused (with `connect_error`'s code). */
export type Handshake = { ok: true; client: SecureClient; hello: SecureHelloEvent } | { ok: false; error: ClientErrorBody }

/**
 * A token of `kind` for the lab's learner, or the error the token route answered.
 *
 * @example
 * const answer = await labToken(connector, instance, 'k7q2mx', 'other-space')
 * if (!('code' in answer)) answer.token // a genuine JWT whose aud is another space
 */
export async function labToken(
  connector: SecureConnector,
  instance: SandboxInstance,
  space: string,
  kind: TokenKind = 'valid',
): Promise<Extract<TokenAnswer, { ok: true }> | ClientErrorBody> {
  const answer = await connector.requestToken({ instance, space, request: { name: LEARNER_NAME, role: 'learner', kind } })
  return 'error' in answer ? answer.error : answer
}

/**
 * Opens `/secure` with `token` and waits for hello or `connect_error` (a refused socket is closed).
 *
 * @example
 * const shake = await handshake(connector, instance, 'k7q2mx', '')
 * if (!shake.ok) shake.error.code // => 'TOKEN_MISSING'
 */
export function handshake(connector: SecureConnector, instance: SandboxInstance, space: string, token: string): Promise<Handshake> {
  const client = connector.connectSecure({ instance, space, token })
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => finish({ ok: false, error: { code: 'TIMEOUT', message: `no answer to the handshake within ${HANDSHAKE_WAIT_MS / 1000} s` } }),
      HANDSHAKE_WAIT_MS,
    )
    const finish = (result: Handshake) => {
      clearTimeout(timer)
      if (!result.ok) client.close()
      resolve(result)
    }
    client.on('hello', (hello) => finish({ ok: true, client, hello }))
    client.on('connect_error', (error) => finish({ ok: false, error }))
  })
}

/** One connected learner socket. */
export interface LearnerSocket {
  client: SecureClient
  hello: SecureHelloEvent
}

/** The learner's sockets, one per instance at most, all with ONE token (one user). */
export interface LearnerSockets {
  /** The socket on `instance` (opened on first use). Rejects with the refusal when it cannot connect. */
  on(instance: SandboxInstance): Promise<LearnerSocket>
  /** Open sockets, for the status line. */
  open(): LearnerSocket[]
  closeAll(): void
}

/**
 * @example
 * const learners = createLearnerSockets(() => ({ connector, space: 'k7q2mx' }))
 * const { client } = await learners.on(instances[0])
 */
export function createLearnerSockets(where: () => { connector: SecureConnector; space: string }): LearnerSockets {
  let token: Promise<string> | null = null
  const sockets = new Map<string, Promise<LearnerSocket>>()
  const open = new Map<string, LearnerSocket>()

  async function tokenFor(instance: SandboxInstance): Promise<string> {
    const { connector, space } = where()
    const answer = await labToken(connector, instance, space)
    if ('code' in answer) throw new LabError(answer)
    return answer.token
  }
  async function connect(instance: SandboxInstance): Promise<LearnerSocket> {
    token ??= tokenFor(instance)
    const { connector, space } = where()
    const shake = await handshake(connector, instance, space, await token)
    if (!shake.ok) throw new LabError(shake.error)
    const socket = { client: shake.client, hello: shake.hello }
    open.set(instance.id, socket)
    shake.client.on('disconnect', () => {
      open.delete(instance.id)
      sockets.delete(instance.id)
      // An expired token cannot open the next socket: ask a new one then.
      if (shake.hello.expiresAt <= Date.now()) token = null
    })
    return socket
  }
  return {
    on(instance) {
      const known = sockets.get(instance.id)
      if (known) return known
      const opening = connect(instance)
      sockets.set(instance.id, opening)
      opening.catch(() => {
        sockets.delete(instance.id)
        token = null
      })
      return opening
    },
    open: () => [...open.values()],
    closeAll() {
      for (const socket of open.values()) socket.client.close()
      open.clear()
      sockets.clear()
      token = null
    },
  }
}

/** A refusal the lab shows as an answer (code and message). */
export class LabError extends Error {
  readonly code: string
  constructor(body: ClientErrorBody) {
    super(body.message)
    this.code = body.code
  }
}

/**
 * The learner's socket on the `n`th instance (wrapping around), or the step that shows why not.
 *
 * @example
 * const socket = await learnerOn(ctx.learners, ctx.instances, 0)
 * if (isStep(socket)) return [socket]
 */
export async function learnerOn(learners: LearnerSockets, instances: SandboxInstance[], n: number): Promise<LearnerSocket | Step> {
  const instance = instances[n % Math.max(1, instances.length)]
  if (!instance) return { sent: 'a learner token', answer: { code: 'CONNECT_FAILED', message: 'no instance' } }
  try {
    return await learners.on(instance)
  } catch (error) {
    const answer =
      error instanceof LabError ? { code: error.code, message: error.message } : { code: 'CONNECT_FAILED', message: String(error) }
    return { sent: `a learner token, /secure on ${instance.id}`, answer }
  }
}
export const isStep = (x: LearnerSocket | Step): x is Step => 'answer' in x
