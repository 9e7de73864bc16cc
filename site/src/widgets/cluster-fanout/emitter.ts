/**
 * The Redis emitter box: `POST {emitter}/emit` with the send form's text, to a room or everyone
 * of `/with-redis` in this space; the emitter publishes to Redis without being a Socket.IO server.
 */
import { h } from '../../sandbox/dom.ts'
import { btn, para as p } from './ui.ts'

export interface EmitterBox {
  el: HTMLElement
  /** Enables the button when the directory lists an emitter. */
  setAvailable(available: boolean): void
}

export interface EmitterContext {
  doFetch: typeof fetch
  /** `{base}` of the emitter, when there is one. */
  base(): string | undefined
  space(): string
  text(): string
}

/** The emitter's JSON answer, read field by field (network data). */
function describeAnswer(status: number, answer: unknown): (Node | string)[] {
  const o = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {}
  if (o.ok === true) return ['The emitter ran ', h('code', { text: String(o.line ?? '') }), ` (trace ${String(o.traceId)}).`]
  const error = typeof o.error === 'object' && o.error !== null ? (o.error as Record<string, unknown>) : {}
  return [`${status} ${String(error.code)}: ${String(error.message)}`]
}

/**
 * @example
 * const emitter = createEmitterBox({ doFetch: fetch, base: () => dir.emitter?.base, space: () => 'k7q2mx', text: () => 'hello' })
 */
export function createEmitterBox(ctx: EmitterContext): EmitterBox {
  const room = h('input', { 'data-testid': 'cf-emitter-room', maxlength: 16, size: 7, placeholder: '(all)' })
  const result = h('p', { class: 'cf-hint', 'data-testid': 'cf-emitter-result', 'aria-live': 'polite' })
  const note = p('cf-hint', 'No emitter in this cluster: it needs Redis.')
  const button = btn('Send from the emitter', async () => {
    const r = room.value.trim()
    const body = { space: ctx.space(), text: ctx.text() || 'hello', ...(r ? { room: r } : {}) }
    result.textContent = 'Posting…'
    try {
      const res = await ctx.doFetch(`${ctx.base()}/emit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) })
      result.replaceChildren(...describeAnswer(res.status, await res.json()))
    } catch (error) {
      result.textContent = `No answer from the emitter: ${error instanceof Error ? error.message : String(error)}`
    }
  }, 'cf-emitter', ' cf-primary')
  return {
    el: h('section', { class: 'cf-box' },
      h('h4', { text: 'Redis emitter: send from a worker process, not a Socket.IO server' }),
      h('p', { class: 'cf-row' }, h('label', {}, 'Room ', room), button), note, result),
    setAvailable(available) {
      button.disabled = !available
      note.hidden = available
    },
  }
}
