/**
 * The attacks below Socket.IO: an oversized packet on each Engine.IO transport (a raw WebSocket,
 * closed with 1009; a long-polling POST, answered 413), and a cross-origin handshake run by the
 * attacker page (another origin) in an iframe, which reports each refused attempt by postMessage.
 */
import { isAttackReport, ATTACKS, ENGINE_SPACE_PARAM, type AttackReport } from '@realtime-workbook/sandbox-server/protocol'
import { h } from '../../sandbox/dom.ts'
import type { SandboxInstance } from '../../sandbox/connector.ts'
import { isStep, learnerOn } from './learner.ts'
import type { AttackRuns, LabContext, Step } from './types.ts'

const WIRE_WAIT_MS = 5000
const ATTACKER_WAIT_MS = 15000

/** A raw Engine.IO URL naming the learner's space, so the instance's refusal reaches this lab's log. */
function engineUrl(ctx: LabContext, instance: SandboxInstance, transport: 'polling' | 'websocket'): string {
  const base = transport === 'websocket' ? instance.base.replace(/^http/, 'ws') : instance.base
  return `${base}/socket.io/?EIO=4&transport=${transport}&${ENGINE_SPACE_PARAM}=${encodeURIComponent(ctx.space)}`
}

/** A WebSocket Engine.IO session that sends one message of `bytes` bytes once open. */
function oversizedWebSocket(ctx: LabContext, instance: SandboxInstance, bytes: number): Promise<Step> {
  const sent = `WebSocket message "4${'x'.repeat(3)}…" of ${bytes} bytes`
  return new Promise((resolve) => {
    const ws = ctx.platform.openWebSocket(engineUrl(ctx, instance, 'websocket'))
    const timer = setTimeout(() => done({ code: 'TIMEOUT', message: 'the connection stayed open' }), WIRE_WAIT_MS)
    const done = (answer: Step['answer']) => {
      clearTimeout(timer)
      ws.close()
      resolve({ sent, answer })
    }
    // The server's open packet ("0{...}") comes first: the session exists, then the big message.
    ws.addEventListener('message', () => ws.send('4' + 'x'.repeat(bytes - 1)), { once: true })
    ws.addEventListener('close', (event) =>
      done({ code: String(event.code), message: event.reason || (event.code === 1009 ? 'Message Too Big' : 'closed') }),
    )
  })
}

/** A long-polling Engine.IO session, then one POST of `bytes` bytes. */
async function oversizedPolling(ctx: LabContext, instance: SandboxInstance, bytes: number): Promise<Step> {
  const url = engineUrl(ctx, instance, 'polling')
  const sent = `POST /socket.io/?transport=polling&sid=… with a ${bytes}-byte body`
  const signal = AbortSignal.timeout(WIRE_WAIT_MS)
  try {
    const open = await (await ctx.platform.fetch(url, { signal, cache: 'no-store' })).text()
    const sid = /"sid":"([^"]+)"/.exec(open)?.[1]
    if (!sid) return { sent, answer: { code: 'BAD_ANSWER', message: 'no session id in the open packet' } }
    const res = await ctx.platform.fetch(`${url}&sid=${encodeURIComponent(sid)}`, {
      method: 'POST',
      body: '4' + 'x'.repeat(bytes - 1),
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      signal,
    })
    const text = (await res.text().catch(() => '')).slice(0, 120)
    return { sent, answer: { code: String(res.status), message: text || res.statusText || 'no body' } }
  } catch (error) {
    return { sent, answer: { code: 'CONNECT_FAILED', message: String(error) } }
  }
}

async function oversized(ctx: LabContext): Promise<Step[]> {
  const instance = ctx.instances[0]
  if (!instance) return []
  const socket = await learnerOn(ctx.learners, ctx.instances, 0)
  if (isStep(socket)) return [socket]
  const max = socket.hello.maxPacketBytes
  const bytes = max + 1024
  const limit = { sent: '(read from the hello)', answer: { code: 'maxHttpBufferSize', message: `${max} bytes` } }
  return [limit, await oversizedWebSocket(ctx, instance, bytes), await oversizedPolling(ctx, instance, bytes)]
}

/** Embeds the attacker page and collects its reports (origin and shape checked) until every attempt reported. */
function crossOrigin(ctx: LabContext): Promise<Step[]> {
  const instance = ctx.instances[0]
  if (!ctx.attackerBase || !instance) {
    return Promise.resolve([
      {
        sent: 'nothing',
        answer: { code: 'NO_ATTACKER', message: 'no attacker page in /sandbox.json (npm start serves one)' },
      },
    ])
  }
  const origin = new URL(ctx.attackerBase).origin
  const frame = h('iframe', {
    class: 'lab-attacker',
    title: 'Another site (the attacker page)',
    src: `${ctx.attackerBase}/?port=${instance.port}&space=${ctx.space}`,
  })
  const reports: AttackReport[] = []
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer)
      ctx.platform.window.removeEventListener('message', onMessage)
      resolve(reports.map((r) => ({ sent: `from ${origin}: ${r.attack}`, answer: { code: r.outcome, message: r.detail } })))
    }
    const timer = setTimeout(finish, ATTACKER_WAIT_MS)
    function onMessage(event: Event) {
      if (!(event instanceof MessageEvent) || event.origin !== origin || event.source !== frame.contentWindow) return
      if (!isAttackReport(event.data)) return
      reports.push(event.data)
      if (reports.length >= ATTACKS.length) finish()
    }
    ctx.platform.window.addEventListener('message', onMessage)
    ctx.platform.frameHost.replaceChildren(frame)
  })
}

/** The attacks on the wire: their runs, by attack id (their labels: attack-catalog.ts). */
export const WIRE_RUNS = { oversized, 'cross-origin': crossOrigin } satisfies Partial<AttackRuns>
