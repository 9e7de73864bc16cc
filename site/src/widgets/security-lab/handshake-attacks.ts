/**
 * The handshake attacks: no token, forged tokens, an expired token and a token of another space.
 * Each opens `/secure` in the learner's space and shows the `connect_error` code; the bad tokens
 * other than the browser's own forgeries come from the sandbox's token route (`kind`), so the
 * browser never holds a signing key.
 */
import type { SandboxInstance } from '../../sandbox/connector.ts'
import type { TokenKind } from '@realtime-workbook/sandbox-server/protocol'
import { describeToken, forgeTokens } from './jwt.ts'
import { handshake, labToken } from './learner.ts'
import type { AttackRuns, LabContext, Step } from './types.ts'

const first = (ctx: LabContext): SandboxInstance => {
  const instance = ctx.instances[0]
  if (!instance) throw new Error('the directory lists no instance')
  return instance
}

/** One handshake with `token`; a socket that connects is closed at once (the answer is "connected"). */
async function handshakeStep(ctx: LabContext, token: string, sent: string): Promise<Step> {
  const shake = await handshake(ctx.connector, first(ctx), ctx.space, token)
  if (!shake.ok) return { sent, answer: shake.error }
  shake.client.close()
  return {
    sent,
    answer: { code: 'CONNECTED', message: `the server accepted the token (user ${shake.hello.user.name}, ${shake.hello.user.role})` },
  }
}

/** Asks the token route for a `kind` token, then tries it. */
async function tokenKindStep(ctx: LabContext, kind: TokenKind): Promise<Step> {
  const answer = await labToken(ctx.connector, first(ctx), ctx.space, kind)
  if ('code' in answer) return { sent: `POST /s/${ctx.space}/token { kind: "${kind}" }`, answer }
  return handshakeStep(ctx, answer.token, `auth: { token } with ${describeToken(answer.token)}`)
}

async function forged(ctx: LabContext): Promise<Step[]> {
  const genuine = await labToken(ctx.connector, first(ctx), ctx.space)
  if ('code' in genuine) return [{ sent: `POST /s/${ctx.space}/token (a genuine learner token to edit)`, answer: genuine }]
  const { edited, algNone } = forgeTokens(genuine.token)
  return [
    await handshakeStep(ctx, edited, `payload edited, old signature kept: ${describeToken(edited)}`),
    await handshakeStep(ctx, algNone, `unsigned: ${describeToken(algNone)}`),
  ]
}

/** The handshake attacks' runs, by attack id (their labels: attack-catalog.ts). */
export const HANDSHAKE_RUNS = {
  'no-token': async (ctx) => [await handshakeStep(ctx, '', 'auth: { token: "" } (no token)')],
  forged,
  expired: async (ctx) => [await tokenKindStep(ctx, 'expired')],
  'other-space': async (ctx) => [await tokenKindStep(ctx, 'other-space')],
} satisfies Partial<AttackRuns>
