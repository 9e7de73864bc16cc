// @ts-check
/**
 * Rehype plugin: renders the diagrams prepared by remark-mermaid-blocks.mjs.
 *
 * mode 'build'  : rehype-mermaid (strategy inline-svg) renders every diagram twice, with the
 *                 mermaid `default` and `dark` themes (mermaidConfig); CSS shows the variant matching Starlight's
 *                 `:root[data-theme]` (see styles/custom.css). No mermaid JS ships to the page.
 * mode 'client' : leaves `<pre class="mermaid">` (rehype-mermaid's pre-mermaid output shape);
 *                 components/MermaidClient.astro lazy-loads mermaid in the browser.
 *
 * Either way the figure is a focusable, labelled scroll region: diagrams keep their natural size
 * (see mermaid-config.mjs) and a wide one scrolls sideways instead of shrinking its labels.
 */
import rehypeMermaid from 'rehype-mermaid'
import { unified } from 'unified'
import { diagramLabel, mermaidConfig } from './mermaid-config.mjs'

/**
 * @typedef {{ type: string, tagName?: string, value?: string, properties?: Record<string, unknown>, children?: HNode[] }} HNode
 * @typedef {{ mode: 'build' | 'client', launchOptions?: Record<string, unknown> }} Options
 */

/** @param {HNode} node @param {string} name */
function hasClass(node, name) {
  const cls = node.properties?.className
  return Array.isArray(cls) && cls.includes(name)
}

/** @param {HNode} node @returns {string} */
function textOf(node) {
  if (node.type === 'text') return node.value ?? ''
  return (node.children ?? []).map(textOf).join('')
}

/** @param {HNode} node @param {HNode[]} out */
function collect(node, out) {
  for (const child of node.children ?? []) {
    if (child.type === 'element' && child.tagName === 'div' && hasClass(child, 'rtwb-diagram')) out.push(child)
    else collect(child, out)
  }
  return out
}

/** @param {string} source @param {string} [extraClass] @returns {HNode} */
function pre(source, extraClass) {
  return {
    type: 'element',
    tagName: 'pre',
    properties: { className: extraClass ? ['mermaid', extraClass] : ['mermaid'] },
    children: [{ type: 'text', value: source }],
  }
}

/** @param {string} variant @param {HNode} child @returns {HNode} */
function wrapper(variant, child) {
  return {
    type: 'element',
    tagName: 'div',
    properties: { className: ['rtwb-diagram__variant', `rtwb-diagram__${variant}`] },
    children: [child],
  }
}

/**
 * Room kept for a client-rendered diagram before its SVG arrives, so the text below moves little:
 * a guess from the source (about 66 px per sequence step, 36 px per flowchart line), calibrated
 * on the lessons' diagrams with the shared config (within ~20%).
 * @param {string} source
 */
function reservedHeight(source) {
  const lines = source.split('\n').filter((l) => l.trim() !== '')
  if (/^\s*sequenceDiagram/m.test(source)) return 120 + 66 * lines.filter((l) => /->>|-->>|-[x)]|^\s*Note /.test(l)).length
  return Math.min(900, 96 + 36 * lines.length)
}

/** @param {Options} options */
export function rehypeMermaidThemed(options) {
  const mode = options?.mode ?? 'client'
  const common = { strategy: /** @type {const} */ ('inline-svg'), launchOptions: options.launchOptions }
  // One unified processor per theme: `run` gives rehype-mermaid the processor and promise it is typed for.
  const light =
    mode === 'build'
      ? unified().use(rehypeMermaid, { ...common, mermaidConfig: mermaidConfig('default'), prefix: 'mermaid-light' })
      : undefined
  const dark =
    mode === 'build' ? unified().use(rehypeMermaid, { ...common, mermaidConfig: mermaidConfig('dark'), prefix: 'mermaid-dark' }) : undefined

  /** @param {HNode} tree @param {any} file */
  return async (tree, file) => {
    const diagrams = collect(tree, [])
    if (diagrams.length === 0) return
    for (const d of diagrams) {
      d.properties = { ...d.properties, tabIndex: 0, role: 'region', ariaLabel: diagramLabel(textOf(d)) }
    }
    if (mode === 'client' || !light || !dark) {
      for (const d of diagrams) {
        const source = textOf(d)
        d.properties = { ...d.properties, 'data-mermaid': 'client', style: `min-height: ${reservedHeight(source)}px` }
        d.children = [pre(source)]
      }
      return
    }
    /** @type {HNode[]} */ const lightWrappers = []
    /** @type {HNode[]} */ const darkWrappers = []
    for (const d of diagrams) {
      const source = textOf(d)
      const l = wrapper('light', pre(source))
      const k = wrapper('dark', pre(source))
      lightWrappers.push(l)
      darkWrappers.push(k)
      d.properties = { ...d.properties, 'data-mermaid': 'build' }
      d.children = [l, k]
    }
    // Each transformer only sees its own wrappers (same objects as in the tree), so both can run at once.
    await Promise.all([
      light.run(/** @type {any} */ ({ type: 'root', children: lightWrappers }), file),
      dark.run(/** @type {any} */ ({ type: 'root', children: darkWrappers }), file),
    ])
  }
}
