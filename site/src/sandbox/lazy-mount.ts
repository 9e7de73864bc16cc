/**
 * Mounts a widget only when its static shell comes near the viewport, so a lesson page loads no
 * widget code (and no socket.io-client) until the learner scrolls to it.
 */

export interface LazyWidget {
  mountLive(root: HTMLElement): void
}

export interface LazyMountOptions {
  /** Element inside the shell whose text is replaced when loading fails. */
  panel: string
  /** What the shell says when the widget's code could not be loaded. */
  failure: string
}

/**
 * Mounts every `selector` shell with the module `load` returns, once it is within 200 px of the
 * viewport (at once where IntersectionObserver is missing).
 *
 * @example
 * mountWhenVisible('[data-rp-root]', () => import('../widgets/room-playground/live.ts'), {
 *   panel: '.rp-panel', failure: 'The playground could not be loaded. Reload the page to try again.',
 * })
 */
export function mountWhenVisible(selector: string, load: () => Promise<LazyWidget>, options: LazyMountOptions): void {
  const mount = async (root: HTMLElement): Promise<void> => {
    try {
      ;(await load()).mountLive(root)
    } catch {
      const panel = root.querySelector(options.panel)
      if (panel) panel.textContent = options.failure
    }
  }
  const roots = [...document.querySelectorAll<HTMLElement>(selector)]
  if (!('IntersectionObserver' in window)) {
    for (const root of roots) void mount(root)
    return
  }
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue
        observer.unobserve(entry.target)
        void mount(entry.target as HTMLElement)
      }
    },
    { rootMargin: '200px 0px' },
  )
  for (const root of roots) observer.observe(root)
}
