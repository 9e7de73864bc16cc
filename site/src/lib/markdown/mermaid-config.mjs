// @ts-check
/**
 * The one Mermaid configuration, used by the build-time renderer (rehype-mermaid-themed.mjs)
 * and by the in-browser fallback (lib/client/mermaid-client.ts), so both draw the same diagram.
 *
 * Why these values: a diagram is never scaled down (`useMaxWidth: false` gives the SVG its
 * natural pixel width; a wider one scrolls inside its figure), so its natural width must stay
 * close to a lesson column (~700 px). Sequence diagrams wrap long messages and notes instead of
 * widening their lanes, and drop the mirrored actor row at the bottom. A two-lane diagram widens
 * its one gap in its own source: `%%{init: {"sequence": {"actorMargin": 110}}}%%`.
 */

/** Smallest font a diagram label may use, in px (the browser test asserts >= 11 on screen). */
export const DIAGRAM_FONT_PX = 14

/** @type {Record<string, unknown>} */
export const MERMAID_CONFIG = {
  flowchart: { useMaxWidth: false, wrappingWidth: 180, nodeSpacing: 30, rankSpacing: 40, diagramPadding: 8 },
  sequence: {
    useMaxWidth: false,
    wrap: true,
    diagramMarginX: 8,
    diagramMarginY: 8,
    width: 120,
    actorMargin: 36,
    mirrorActors: false,
    actorFontSize: DIAGRAM_FONT_PX,
    messageFontSize: DIAGRAM_FONT_PX,
    noteFontSize: DIAGRAM_FONT_PX,
  },
}

/**
 * What the dark variant changes in Mermaid's `dark` theme: its edge labels are #ccc text on
 * #585858 (4.4:1, under WCAG's 4.5:1); on #333 they reach 7.9:1. The contrast browser test
 * measures every label of both variants.
 */
const DARK_THEME_VARIABLES = { edgeLabelBackground: '#333' }

/**
 * The Mermaid configuration of one theme: MERMAID_CONFIG, the theme, and its colour fixes.
 * @param {'default' | 'dark'} theme
 * @returns {Record<string, unknown>}
 * @example mermaid.initialize({ ...mermaidConfig('dark'), startOnLoad: false })
 */
export function mermaidConfig(theme) {
  const themeVariables = { fontSize: `${DIAGRAM_FONT_PX}px`, ...(theme === 'dark' ? DARK_THEME_VARIABLES : {}) }
  return { ...MERMAID_CONFIG, theme, themeVariables }
}

/**
 * The accessible name of a diagram: its Mermaid `accTitle:` line, else a generic name.
 * @param {string} source Mermaid source
 * @returns {string}
 * @example diagramLabel('sequenceDiagram\n  accTitle: Long polling\n') // 'Diagram: Long polling'
 */
export function diagramLabel(source) {
  const title = /^\s*accTitle\s*:\s*(.+?)\s*$/m.exec(source)?.[1]
  return title ? `Diagram: ${title}` : 'Diagram'
}
