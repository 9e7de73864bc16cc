/**
 * Fallback only (no Chromium at build time): renders `pre.mermaid` in the browser.
 * mermaid is dynamically imported when a diagram comes within a screen or two of the viewport,
 * with the same configuration as the build-time renderer, and re-rendered when the Starlight
 * theme changes. The source text stays invisible (CSS) until its SVG replaces it, and the old SVG
 * stays until the new one is ready, so neither the source nor an empty box ever flashes.
 */
import { mermaidConfig } from '../markdown/mermaid-config.mjs'

/**
 * Parses mermaid's SVG string into a node (no innerHTML; mermaid sanitizes its own output).
 * Parsed as HTML, not XML: flowchart labels hold HTML such as `<br>`, which is not valid XML.
 */
function svgNode(svg: string): Element {
  const parsed = new DOMParser().parseFromString(svg, 'text/html').querySelector('svg')
  if (parsed) return document.importNode(parsed, true)
  const note = document.createElement('p')
  note.textContent = 'This diagram could not be drawn.'
  return note
}

/**
 * Renders every `pre.mermaid` of the page once one nears the viewport.
 * @example initMermaidClient() // from components/MermaidClient.astro, client mode only
 */
export function initMermaidClient(): void {
  const blocks = [...document.querySelectorAll<HTMLElement>('pre.mermaid')]
  if (blocks.length === 0) return
  const sources = blocks.map((b) => b.textContent ?? '')

  const theme = () => (document.documentElement.dataset.theme === 'dark' ? 'dark' : 'default')
  let started = false
  const render = async () => {
    const { default: mermaid } = await import('mermaid')
    mermaid.initialize({ ...mermaidConfig(theme()), startOnLoad: false })
    for (const [i, block] of blocks.entries()) {
      const { svg } = await mermaid.render(`rtwb-mermaid-${i}`, sources[i] ?? '')
      block.replaceChildren(svgNode(svg))
      block.dataset.processed = 'true'
      block.closest<HTMLElement>('.rtwb-diagram')?.style.removeProperty('min-height')
    }
  }
  const observer = new IntersectionObserver(
    (entries) => {
      if (started || !entries.some((e) => e.isIntersecting)) return
      started = true
      observer.disconnect()
      void render()
      new MutationObserver(() => void render()).observe(document.documentElement, { attributeFilter: ['data-theme'] })
    },
    { rootMargin: '1200px 0px' },
  )
  for (const b of blocks) observer.observe(b)
}
