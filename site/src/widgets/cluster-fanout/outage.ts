/**
 * The simulated Redis outage of this space: one toggle asks every observer's instance to cut (or
 * restore) `/with-redis` from Redis; `outage` trace events keep the state in step.
 */
import { isErrorAck, type SandboxObserver } from '../../sandbox/connector.ts'
import { h } from '../../sandbox/dom.ts'
import { btn } from './ui.ts'

export interface OutageBox {
  el: HTMLElement
  /** True while any instance has the simulated outage on. */
  isDown(): boolean
  /** An `outage` trace event: one instance's state. */
  set(instance: string, down: boolean): void
  /** Forgets every state (new session). */
  reset(): void
}

/**
 * @example
 * const outage = createOutageBox(() => session.observers(), (down) => topology.setRedis(down ? 'cut' : 'up'))
 */
export function createOutageBox(observers: () => SandboxObserver[], onRender: (down: boolean) => void): OutageBox {
  let states = new Map<string, boolean>()
  const isDown = () => [...states.values()].some(Boolean)
  const result = h('p', { class: 'cf-err', 'aria-live': 'polite' })
  const render = () => {
    const down = isDown()
    toggle.setAttribute('aria-pressed', String(down))
    toggle.textContent = down ? 'Redis back' : 'Stop Redis (simulation)'
    onRender(down)
  }
  const toggle = btn('', async () => {
    const down = !isDown()
    toggle.disabled = true
    const acks = await Promise.all(observers().map(async (o) => [o.instance.id, await o.simulateOutage(down)] as const))
    toggle.disabled = false
    result.textContent = ''
    for (const [id, ack] of acks) {
      if (isErrorAck(ack)) result.textContent = `${id}: ${ack.error.code}: ${ack.error.message}`
      else states.set(id, down)
    }
    render()
  }, 'cf-outage-toggle')
  return {
    el: h('section', { class: 'cf-box' }, h('h4', { text: 'Redis outage (only your space)' }),
      h('p', { class: 'cf-row' }, toggle, h('span', { class: 'cf-hint', text: 'Pub/sub is at most once: what is sent while Redis is down is lost, never replayed.' })), result),
    isDown,
    set(instance, down) {
      states.set(instance, down)
      render()
    },
    reset() {
      states = new Map()
      render()
    },
  }
}
