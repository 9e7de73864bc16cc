// @ts-check
/**
 * Realtime Workbook site: Astro 5 + Starlight 0.37 + MDX.
 * Lessons live OUTSIDE this folder, in ../lessons/NN-slug/ (see src/content.config.ts).
 * Mermaid diagrams are rendered at build time (light + dark SVG) when a Chromium is found,
 * otherwise they fall back to client-side rendering (see src/lib/markdown/).
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'astro/config'
import starlight from '@astrojs/starlight'
import { remarkMermaidBlocks } from './src/lib/markdown/remark-mermaid-blocks.mjs'
import { rehypeMermaidThemed } from './src/lib/markdown/rehype-mermaid-themed.mjs'
import { rehypeScrollTables } from './src/lib/markdown/rehype-scroll-tables.mjs'
import { lessonSidebar } from './src/utils/lesson-sidebar.mjs'
import { CHROMIUM_ARGS, findChromium } from '../scripts/chromium.mjs'
import { withoutWebTransport } from './src/sandbox/without-webtransport.mjs'
import { widgetChunks } from './src/sandbox/widget-chunks.mjs'

const srcDir = fileURLToPath(new URL('./src/', import.meta.url))
const repoRoot = fileURLToPath(new URL('../', import.meta.url))
const lessonsDir = fileURLToPath(new URL('../lessons/', import.meta.url))

// Build-time Mermaid needs a Chromium; RTWB_MERMAID=client forces the in-browser fallback.
const chromium = process.env.RTWB_MERMAID === 'client' ? undefined : (findChromium() ?? undefined)
/** 'build': inline SVG at build time; 'client': <pre class="mermaid"> + lazy client renderer. */
const mermaidMode = chromium ? 'build' : 'client'
if (!chromium) console.warn('[realtime-workbook] No Chromium found: Mermaid diagrams will render in the browser.')

export default defineConfig({
  site: 'https://realtime-workbook.example',
  outDir: './dist',
  output: 'static',
  integrations: [
    starlight({
      title: 'Realtime Workbook',
      description: 'An interactive course on the real-time web, with live widgets wired to a Socket.IO sandbox cluster.',
      // Lessons in number order, coming-soon badges (restart `astro dev` after changing a lesson's number/status).
      sidebar: [{ label: 'Lessons', items: lessonSidebar(lessonsDir) }],
      customCss: ['./src/styles/custom.css'],
      // Adds "Check yourself" to each lesson's "On this page" list.
      routeMiddleware: './src/components/overrides/toc-route-data.ts',
      components: {
        Banner: './src/components/overrides/Banner.astro',
        MarkdownContent: './src/components/overrides/MarkdownContent.astro',
        Sidebar: './src/components/overrides/Sidebar.astro',
      },
      // Lessons live outside src/content/docs: let Starlight's asides + heading links process them.
      markdown: { processedDirs: ['../lessons'] },
      lastUpdated: false,
      pagination: true,
    }),
  ],
  markdown: {
    remarkPlugins: [remarkMermaidBlocks],
    rehypePlugins: [
      rehypeScrollTables,
      [
        rehypeMermaidThemed,
        {
          mode: mermaidMode,
          launchOptions: {
            executablePath: chromium,
            args: CHROMIUM_ARGS,
          },
        },
      ],
    ],
  },
  vite: {
    plugins: [widgetChunks(), withoutWebTransport()],
    build: {
      // Lesson pages have a 36 KB gzip JS budget: terser packs every chunk (socket.io-client
      // included) tighter than esbuild's minifier.
      minify: 'terser',
      // No preload lists: a widget's chunk already holds what it needs (widget-chunks.mjs), and an
      // on-demand chunk's only dependency is that chunk, loaded before it. Vite 6 still wraps each
      // dynamic import in its preload helper (preload-helper.js, ~0.7 KB gzip per page) with an
      // empty list: no option removes it.
      modulePreload: false,
      terserOptions: { compress: { passes: 2 }, format: { comments: false } },
    },
    define: {
      __RTWB_MERMAID_MODE__: JSON.stringify(mermaidMode),
    },
    resolve: {
      alias: { '~/': srcDir },
    },
    server: {
      fs: { allow: [repoRoot] },
    },
  },
})
