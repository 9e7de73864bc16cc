/**
 * The attacks of a connected learner (one token, one user): a moderator-only room and event
 * (FORBIDDEN, the socket stays connected), a flood from one socket and from three sockets on three
 * instances (one budget per user, held in Redis), and markup in a message (shown as text).
 */
import type { LocalErrorAck } from '../../sandbox/connector.ts'
import type { SecureClient } from '../../sandbox/secure-client.ts'
import type { SendAck } from '@realtime-workbook/sandbox-server/protocol'
import { isStep, learnerOn as learnerSocket, type LearnerSocket } from './learner.ts'
import type { Answer, AttackRuns, LabContext, Step } from './types.ts'

/** The text of the markup attack, as lesson 4 quotes it. */
export const MARKUP = '<img src=x onerror=alert(1)>'
const MESSAGE_WAIT_MS = 3000

const answerOf = (ack: { ok: true } | { error: Answer } | LocalErrorAck, ok: string): Answer =>
  'error' in ack ? ack.error : { code: 'OK', message: ok }

const learnerOn = (ctx: LabContext, n: number) => learnerSocket(ctx.learners, ctx.instances, n)

async function connectLearner(ctx: LabContext): Promise<Step[]> {
  const socket = await learnerOn(ctx, 0)
  if (isStep(socket)) return [socket]
  const { user, expiresAt } = socket.hello
  const sent = `POST /s/${ctx.space}/token { name: "${user.name}", role: "learner" }, then auth: { token } on ${socket.client.instance.id}`
  return [
    { sent, answer: { code: 'CONNECTED', message: `as ${user.name} (${user.role}) until ${new Date(expiresAt).toLocaleTimeString()}` } },
  ]
}

async function forbiddenRoom(ctx: LabContext): Promise<Step[]> {
  const socket = await learnerOn(ctx, 0)
  if (isStep(socket)) return [socket]
  const ack = await socket.client.request('room:join', { room: 'moderators' })
  const still = ctx.learners.open().some((s) => s.client === socket.client) ? ' (the socket is still connected)' : ''
  return [{ sent: 'room:join { room: "moderators" } with a learner token', answer: withNote(answerOf(ack, 'joined'), still) }]
}

async function forbiddenEvent(ctx: LabContext): Promise<Step[]> {
  const socket = await learnerOn(ctx, 0)
  if (isStep(socket)) return [socket]
  const ack = await socket.client.request('secure:announce', { text: 'Log out!' })
  return [{ sent: 'secure:announce { text } (moderators only) with a learner token', answer: answerOf(ack, 'announced') }]
}
const withNote = (answer: Answer, note: string): Answer => ({ ...answer, message: answer.message + note })

/** Sends `count` events at once and tallies the answers by code. */
async function burst(client: SecureClient, count: number): Promise<Map<string, number>> {
  const acks = await Promise.all(Array.from({ length: count }, (_, n) => client.request('secure:send', { text: `flood ${n + 1}` })))
  const tally = new Map<string, number>()
  for (const ack of acks) {
    const code = 'error' in ack ? ack.error.code : 'OK'
    tally.set(code, (tally.get(code) ?? 0) + 1)
  }
  return tally
}
const showTally = (tally: Map<string, number>) => [...tally].map(([code, n]) => `${n} ${code}`).join(', ')
const waitForFreshBudget = () => new Promise((resolve) => setTimeout(resolve, 1100))

async function flood(ctx: LabContext, sockets: number): Promise<Step[]> {
  const opened: LearnerSocket[] = []
  for (let n = 0; n < sockets; n++) {
    const socket = await learnerOn(ctx, n)
    if (isStep(socket)) return [socket]
    opened.push(socket)
  }
  const perSecond = opened[0]?.hello.userEventsPerSecond ?? 20
  const each = perSecond * 2
  await waitForFreshBudget()
  const tallies = await Promise.all(opened.map((s) => burst(s.client, each)))
  const total = new Map<string, number>()
  for (const tally of tallies) for (const [code, n] of tally) total.set(code, (total.get(code) ?? 0) + n)
  const limited = total.get('RATE_LIMITED') ?? 0
  const steps = opened.map((s, n) => ({
    sent: `${each} × secure:send at once from socket ${n + 1} on ${s.client.instance.id}`,
    answer: { code: tallies[n]?.has('RATE_LIMITED') ? 'RATE_LIMITED' : 'OK', message: showTally(tallies[n] ?? new Map()) },
  }))
  const budget = `budget: ${perSecond} events/s per user, shared by every socket on every instance`
  return sockets > 1
    ? [
        ...steps,
        {
          sent: `in total, ${each * sockets} events from one user`,
          answer: { code: limited ? 'RATE_LIMITED' : 'OK', message: `${showTally(total)} (${budget})` },
        },
      ]
    : steps.map((s) => ({ ...s, answer: withNote(s.answer, ` (${budget})`) }))
}

/** Sends the markup from the learner's first socket; the second socket (another instance) receives it. */
async function markup(ctx: LabContext): Promise<Step[]> {
  const sender = await learnerOn(ctx, 0)
  if (isStep(sender)) return [sender]
  const receiver = await learnerOn(ctx, 1)
  if (isStep(receiver)) return [receiver]
  const received = new Promise<string | null>((resolve) => {
    const stop = receiver.client.on('message', (m) => {
      if (m.text !== MARKUP) return
      stop()
      resolve(m.text)
    })
    setTimeout(() => resolve(null), MESSAGE_WAIT_MS)
  })
  const ack: SendAck | LocalErrorAck = await sender.client.request('secure:send', { text: MARKUP })
  const text = await received
  const shown =
    text === null ? 'the other socket received nothing in time' : `the other socket received, and this page shows as text: ${text}`
  return [{ sent: `secure:send { text: "${MARKUP}" }`, answer: withNote(answerOf(ack, 'sent'), 'error' in ack ? '' : ` — ${shown}`) }]
}

/** The attacks on a connected socket: their runs, by attack id (their labels: attack-catalog.ts). */
export const ACTION_RUNS = {
  learner: connectLearner,
  'forbidden-room': forbiddenRoom,
  'forbidden-event': forbiddenEvent,
  'flood-one': (ctx) => flood(ctx, 1),
  'flood-three': (ctx) => flood(ctx, 3),
  markup,
} satisfies Partial<AttackRuns>
