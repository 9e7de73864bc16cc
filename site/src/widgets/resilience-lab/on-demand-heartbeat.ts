/**
 * Experiment 6's run, loaded on the first click: two of the learner's sockets on one instance; one
 * goes silent (it drops its outgoing packets, so it stops answering the server's pings) and the
 * other waits for the server's `peer:gone`. Shown: the heartbeat settings from the server's hello,
 * the window they predict, and the time the dead peer took to be noticed, measured.
 * An `on-demand-*` module: the page budget counts it apart.
 */
import { h } from '../../sandbox/dom.ts'
import type { PeerGoneEvent } from '@realtime-workbook/sandbox-server/protocol'
import { openLab } from './clients.ts'
import type { LabContext, Outcome, Progress } from './types.ts'
import { figures, ms } from './view.ts'

/** Extra wait past pingInterval + pingTimeout before giving up. */
const SLACK_MS = 3000

/**
 * @example
 * const outcome = await runHeartbeat(ctx, 2000, progress)
 */
export async function runHeartbeat(ctx: LabContext, silentAfterMs: number, progress: Progress): Promise<Outcome> {
  const instance = ctx.instances[0]
  if (!instance) throw new Error('no instance is up')
  const watcher = await openLab(ctx, { instance, side: 'pubsub', label: 'watcher' })
  const dead = await openLab(ctx, { instance, side: 'pubsub', label: 'silent' })
  const { pingInterval, pingTimeout } = watcher.hello
  const limit = pingInterval + pingTimeout
  let silencedAt = 0
  const gone = new Promise<{ event: PeerGoneEvent; after: number } | null>((resolve) => {
    watcher.client.on('peer:gone', (event) => event.label === 'silent' && resolve({ event, after: Date.now() - silencedAt }))
    void ctx.sleep(limit + SLACK_MS).then(() => resolve(null))
  })
  // Where the silence falls in the ping cycle decides how long it goes unnoticed.
  progress(`Both sockets connected; "silent" stops answering after ${ms(silentAfterMs)}…`)
  await ctx.sleep(silentAfterMs)
  progress(`The "silent" socket stopped answering pings; waiting up to ${ms(limit + SLACK_MS)}…`)
  silencedAt = Date.now()
  dead.client.silence()
  const seen = await gone
  watcher.client.close()
  dead.client.close()
  const measured = seen ? ms(seen.after) : 'not noticed'
  return {
    failed: !seen,
    figures: { noticedMs: seen?.after ?? -1, pingInterval, pingTimeout },
    summary: seen ? `the server noticed the dead peer after ${measured} (${seen.event.reason}).` : 'no peer:gone arrived.',
    view: h(
      'div',
      {},
      figures([
        ['pingInterval', ms(pingInterval), 'rl-ping-interval'],
        ['pingTimeout', ms(pingTimeout), 'rl-ping-timeout'],
        ['Expected within', `${ms(pingTimeout)} – ${ms(limit)}`, 'rl-expected'],
        ['Went silent', `${ms(silentAfterMs)} after connecting`, 'rl-silent-after'],
        ['Noticed after', measured, 'rl-noticed'],
        ['Server: silent for', seen ? ms(seen.event.silentMs) : '–', 'rl-silent-ms'],
        ['Reason', seen?.event.reason ?? '–', 'rl-gone-reason'],
      ]),
    ),
  }
}
