/// <reference path="../.astro/types.d.ts" />

/** Set in astro.config.mjs: 'build' = diagrams are inline SVG, 'client' = rendered in the browser. */
declare const __RTWB_MERMAID_MODE__: 'build' | 'client'
