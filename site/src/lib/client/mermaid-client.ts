/**
 * Fallback only (no Chromium at build time): renders `pre.mermaid` in the browser.
 * mermaid is dynamically imported, only when a diagram comes near the viewport, and
 * re-rendered when the Starlight theme changes.
 */
export function initMermaidClient(): void {
  const blocks = [...document.querySelectorAll<HTMLElement>('pre.mermaid')]
  if (blocks.length === 0) return
  for (const b of blocks) b.dataset.source ??= b.textContent ?? ''

  const theme = () => (document.documentElement.dataset.theme === 'dark' ? 'dark' : 'default')
  let started = false
  const render = async () => {
    const { default: mermaid } = await import('mermaid')
    mermaid.initialize({ startOnLoad: false, theme: theme() })
    for (const b of blocks) {
      b.removeAttribute('data-processed')
      b.textContent = b.dataset.source ?? ''
    }
    await mermaid.run({ nodes: blocks })
  }
  const observer = new IntersectionObserver(
    (entries) => {
      if (started || !entries.some((e) => e.isIntersecting)) return
      started = true
      observer.disconnect()
      void render()
      new MutationObserver(() => void render()).observe(document.documentElement, { attributeFilter: ['data-theme'] })
    },
    { rootMargin: '400px 0px' },
  )
  for (const b of blocks) observer.observe(b)
}
