// @ts-check
/**
 * Rehype plugin: makes every Markdown table reachable by keyboard. Starlight styles a lesson's
 * tables `display: block; overflow: auto`, so a wide one (lesson 2's, any at 390 px) scrolls
 * inside itself; a scroll container a keyboard cannot focus cannot be scrolled without a mouse
 * (WCAG 2.1.1, axe `scrollable-region-focusable`). `tabindex="0"` on the table itself keeps its
 * table semantics (a wrapper `role="region"` would need CSS to move the scrolling onto it).
 */

/**
 * @typedef {{ type: string, tagName?: string, properties?: Record<string, unknown>, children?: HNode[] }} HNode
 */

/** @param {HNode} node */
function walk(node) {
  for (const child of node.children ?? []) {
    if (child.type === 'element' && child.tagName === 'table') child.properties = { ...child.properties, tabIndex: 0 }
    walk(child)
  }
}

/**
 * @returns {(tree: HNode) => void}
 * @example
 * // astro.config.mjs: markdown: { rehypePlugins: [rehypeScrollTables] }
 * // | a | b |  ->  <table tabindex="0">…
 */
export function rehypeScrollTables() {
  return walk
}
