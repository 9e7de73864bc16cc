/**
 * A tiny SVG sparkline for the monitoring panel. (transport-race/metrics.ts has a near twin;
 * importing it would add a shared chunk, one more request and ~0.7 KB gzip to lesson 4's page.)
 */
const SVG = 'http://www.w3.org/2000/svg'

/**
 * @example
 * const s = sparkline('Connections, last minute', 80, 20)
 * s.update([0, 1, 3])
 */
export function sparkline(label: string, width: number, height: number) {
  const svg = document.createElementNS(SVG, 'svg')
  const line = document.createElementNS(SVG, 'polyline')
  const attrs = { viewBox: `0 0 ${width} ${height}`, class: 'lab-spark', role: 'img', 'aria-label': label, preserveAspectRatio: 'none' }
  for (const [name, value] of Object.entries(attrs)) svg.setAttribute(name, value)
  svg.append(line)
  return {
    el: svg,
    update(values: readonly number[]) {
      const max = Math.max(1, ...values)
      const step = width / Math.max(1, values.length - 1)
      line.setAttribute(
        'points',
        values.map((v, n) => `${(n * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`).join(' '),
      )
    },
  }
}
