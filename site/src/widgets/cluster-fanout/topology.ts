/**
 * The live topology of one lane, as inline SVG (no library): clients (left) -> instances ->
 * Redis (right). There is no edge between two instances: they only meet through Redis.
 * Node keys: `c:<label>` a client, `i:<id>` an instance, `r` Redis, `e` the emitter process.
 */
const NS = 'http://www.w3.org/2000/svg'
const W = 300
const ROW = 38

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  el.append(...children)
  return el
}

export interface TopologyOptions {
  /** Whether this lane's adapter uses Redis (draws instance-Redis edges). */
  redis: boolean
  /** No dots, only highlights (prefers-reduced-motion). */
  reducedMotion: () => boolean
  title: string
}

export interface Topology {
  el: SVGSVGElement
  render(instances: { id: string; up: boolean }[], clients: { label: string; instance: string }[], emitter: boolean): void
  setRedis(state: 'up' | 'cut'): void
  setCount(instance: string, n: number): void
  /** Sends a dot from node `a` to node `b` after `delayMs`, lighting the edge and `b`. */
  pulse(a: string, b: string, delayMs: number): void
}

/** Lights `lit` for a moment and, unless motion is reduced, moves a dot from `from` to `to`. */
function travel(el: SVGSVGElement, lit: (Element | undefined)[], from: [number, number], to: [number, number], reducedMotion: boolean): void {
  for (const x of lit) {
    x?.classList.add('cf-hot')
    setTimeout(() => x?.classList.remove('cf-hot'), 1600)
  }
  const dot = s('circle', { class: 'cf-dot', r: 5 })
  if (reducedMotion || typeof dot.animate !== 'function') return
  el.append(dot)
  const at = ([x, y]: [number, number]) => ({ transform: `translate(${x}px,${y}px)` })
  dot.animate([at(from), at(to)], { duration: 420, easing: 'ease-in-out' }).finished.then(() => dot.remove(), () => dot.remove())
}

/**
 * @example
 * const topo = createTopology({ redis: true, reducedMotion: () => false, title: 'Adapter ON' })
 * topo.render([{ id: 'i1', up: true }], [{ label: 'A', instance: 'i1' }], false)
 * topo.pulse('c:A', 'i:i1', 0)
 */
export function createTopology(options: TopologyOptions): Topology {
  const el = s('svg', { class: 'cf-topo', role: 'img', 'aria-label': options.title, viewBox: `0 0 ${W} 120` })
  let pos = new Map<string, [number, number]>()
  let nodes = new Map<string, SVGGElement>()
  let edges = new Map<string, SVGLineElement>()
  let counts = new Map<string, SVGTextElement>()
  let redis: 'up' | 'cut' = 'up'

  const edge = (a: string, b: string) => {
    const [x1, y1] = pos.get(a) ?? [0, 0]
    const [x2, y2] = pos.get(b) ?? [0, 0]
    const line = s('line', { class: 'cf-edge', x1, y1, x2, y2 })
    edges.set(`${a}|${b}`, line)
    return line
  }
  const node = (key: string, cls: string, x: number, y: number, shape: SVGElement, ...text: SVGElement[]) => {
    pos.set(key, [x, y])
    const g = s('g', { class: `cf-node ${cls}`, transform: `translate(${x} ${y})` }, shape, ...text)
    nodes.set(key, g)
    return g
  }
  const label = (text: string, y = 4, x = 0) => s('text', { x, y, 'text-anchor': 'middle' }, text)

  return {
    el,
    render(instances, clients, emitter) {
      pos = new Map()
      nodes = new Map()
      edges = new Map()
      counts = new Map()
      const rows = Math.max(clients.length, instances.length, 3)
      const height = rows * ROW + 16
      el.setAttribute('viewBox', `0 0 ${W} ${height}`)
      const gap = height / (instances.length + 1)
      const instanceNodes = instances.map((inst, n) => {
        const count = s('text', { class: 'cf-count', x: 21, y: 1, 'text-anchor': 'middle', 'data-testid': 'cf-delivered' }, '0')
        counts.set(inst.id, count)
        const g = node(`i:${inst.id}`, inst.up ? 'cf-inst' : 'cf-inst cf-down', 145, gap * (n + 1),
          s('rect', { x: -34, y: -14, width: 68, height: 28, rx: 6 }), label(inst.id, 5, -9),
          s('circle', { class: 'cf-badge', cx: 21, cy: 0, r: 9 }), count)
        g.setAttribute('data-testid', 'cf-instance-node')
        g.setAttribute('data-instance', inst.id)
        return g
      })
      const redisNode = node('r', `cf-redis${options.redis ? '' : ' cf-unused'}`, 262, height / 2,
        s('rect', { x: -34, y: -17, width: 68, height: 34, rx: 17 }), label('Redis', options.redis ? 5 : -1),
        ...(options.redis ? [] : [s('text', { class: 'cf-small', y: 10, 'text-anchor': 'middle' }, 'not used')]))
      const sorted = [...clients].sort((a, b) => a.instance.localeCompare(b.instance) || a.label.localeCompare(b.label))
      const top = (height - sorted.length * ROW) / 2 + ROW / 2
      const clientNodes = sorted.map((c, n) =>
        node(`c:${c.label}`, 'cf-cnode', 22, top + n * ROW, s('circle', { r: 14 }), label(c.label, 5)))
      const lines = [
        ...sorted.map((c) => edge(`c:${c.label}`, `i:${c.instance}`)),
        ...(options.redis ? instances.map((i) => edge(`i:${i.id}`, 'r')) : []),
      ]
      const extra: SVGElement[] = []
      if (emitter && options.redis) {
        extra.push(node('e', 'cf-emitter', 262, 14, s('rect', { x: -32, y: -11, width: 64, height: 22, rx: 4 }), label('emitter')))
        lines.push(edge('e', 'r'))
      }
      el.replaceChildren(...lines, ...instanceNodes, redisNode, ...extra, ...clientNodes)
      this.setRedis(redis)
    },
    setRedis(state) {
      redis = state
      nodes.get('r')?.classList.toggle('cf-cut', state === 'cut')
      for (const [key, line] of edges) if (key.endsWith('|r')) line.classList.toggle('cf-cut', state === 'cut')
    },
    setCount(instance, n) {
      const t = counts.get(instance)
      if (t) t.textContent = String(n)
    },
    pulse(a, b, delayMs) {
      const line = edges.get(`${a}|${b}`) ?? edges.get(`${b}|${a}`)
      const from = pos.get(a)
      const to = pos.get(b)
      if (line && from && to) setTimeout(() => travel(el, [line, nodes.get(b)], from, to, options.reducedMotion()), delayMs)
    },
  }
}
