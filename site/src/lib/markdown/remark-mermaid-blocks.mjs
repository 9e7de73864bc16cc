// @ts-check
/**
 * Remark plugin: turns ```mermaid code fences into
 *   <div class="rtwb-diagram"><pre class="rtwb-mermaid-source">…source…</pre></div>
 * BEFORE rehype runs, so Starlight's expressive-code never turns them into highlighted code.
 * rehype-mermaid-themed.mjs then renders them (build time) or leaves a <pre class="mermaid">
 * for the client fallback.
 */

/**
 * @typedef {{ type: string, lang?: string | null, value?: string, children?: MdNode[], data?: object }} MdNode
 */

/** @param {MdNode} node */
function walk(node) {
  if (!node.children) return
  node.children = node.children.map((child) => {
    if (child.type === 'code' && (child.lang ?? '').trim().toLowerCase() === 'mermaid') {
      return {
        type: 'rtwbMermaid',
        data: {
          hName: 'div',
          hProperties: { className: ['rtwb-diagram'] },
          hChildren: [
            {
              type: 'element',
              tagName: 'pre',
              properties: { className: ['rtwb-mermaid-source'] },
              children: [{ type: 'text', value: child.value ?? '' }],
            },
          ],
        },
      }
    }
    walk(child)
    return child
  })
}

/** @returns {(tree: MdNode) => void} */
export function remarkMermaidBlocks() {
  return (tree) => walk(tree)
}
