/**
 * Measures what a built page can load: follows `<script src>`, inline module scripts,
 * `<link rel=stylesheet|modulepreload>`, inline `<style>`, and, inside JS, static imports,
 * `export … from`, dynamic `import()` and any quoted path to a built .js/.css file (Vite's
 * preload lists) transitively; CSS `@import` too. Sums gzip sizes (level 9) of every file once.
 *
 * Lazily loaded chunks (dynamic imports, e.g. socket.io-client when the widget comes into view)
 * ARE counted: the budget is for everything a lesson page may load, not only the first paint.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'

/**
 * Budgets of a lesson page, gzip, KB = 1000 bytes: the JS it may load (lazy widget chunks
 * included; chunks loaded only on a learner's action apart: the search dialog, and any module
 * named `on-demand-*.ts`, e.g. an experiment's runner loaded on its first click) and its CSS.
 *
 * JS was 36 KB until 2026-11-30; it is 38 KB since the widgets share one lifecycle and check every
 * answer they receive (lesson 4's `/secure` client is the security lab's own module, so the other
 * lessons do not carry it; widgets without playground clients load the session's connector only): about 13 KB of a
 * lesson page is socket.io-client, 8 KB Starlight and the quiz, the rest the widget and the
 * sandbox layer (one chunk per widget, see site/src/sandbox/widget-chunks.mjs).
 * It is 39 KB since classes (issue 11): every page's class bootstrap (~0.3 KB: a localStorage read
 * that loads the class client for members only) and the space bar's "Join class" with the widgets'
 * class-space wiring (~0.5 KB) took lesson 3 from 37.7 to 38.4 KB; the class client and the join
 * form are `on-demand-*` chunks.
 *
 * @example
 * if (assets.cssGzipBytes > BUDGET.cssBytes) console.log('over budget')
 */
export const BUDGET = { jsBytes: 39_000, cssBytes: 20_000 } as const

export interface AssetFile {
  /** Path relative to distDir (`(inline)#n` for inline scripts/styles). */
  path: string
  kind: 'js' | 'css'
  /** How it is reached: `html` (referenced by the page), `static` import, `dynamic` import/preload list. */
  via: 'html' | 'static' | 'dynamic'
  bytes: number
  gzipBytes: number
  /**
   * Only loaded on a learner's action: the search dialog (reached from Starlight's Search script
   * by dynamic import) or an `on-demand-*` chunk (a module named `on-demand-*.ts`) and what it imports.
   */
  onDemand: boolean
}

export interface PageAssets {
  /** All JS the page may load: eager + lazy (widget chunks) + on-demand chunks (search UI, experiment runners). */
  jsGzipBytes: number
  /** Part of jsGzipBytes that only loads on a learner's action (see `AssetFile.onDemand`). */
  jsOnDemandGzipBytes: number
  /** Stylesheets + inline `<style>` outside SVG. */
  cssGzipBytes: number
  /** `<style>` blocks inside inline SVG diagrams (diagram content, reported apart). */
  svgStyleGzipBytes: number
  files: AssetFile[]
}

const gz = (buf: Buffer | string) => gzipSync(buf, { level: 9 }).length

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag)
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined
}

/** Resolves a URL found in `fromFile` (relative to distDir, or '' for the page) to a dist path. */
function resolveRef(distDir: string, fromDir: string, ref: string): string | undefined {
  if (/^(?:[a-z]+:)?\/\//i.test(ref) || ref.startsWith('data:')) return undefined
  const clean = ref.split(/[?#]/)[0] ?? ''
  if (!clean) return undefined
  const candidates = clean.startsWith('/')
    ? [path.join(distDir, clean)]
    : clean.startsWith('.')
      ? [path.join(distDir, fromDir, clean)]
      : [path.join(distDir, fromDir, clean), path.join(distDir, clean)] // Vite preload lists are base-relative
  for (const abs of candidates) {
    if (existsSync(abs) && statSync(abs).isFile()) return path.relative(distDir, abs).split(path.sep).join('/')
  }
  return undefined
}

/** References inside a JS module: [specifier, 'static' | 'dynamic']. */
function jsRefs(code: string): Array<[string, 'static' | 'dynamic']> {
  const out: Array<[string, 'static' | 'dynamic']> = []
  const staticRe = /(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g
  const dynamicRe = /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g
  const quotedAsset = /["']((?:\.{0,2}\/)?[\w@$./-]+\.(?:m?js|css))["']/g
  for (const m of code.matchAll(staticRe)) if (m[1]) out.push([m[1], 'static'])
  for (const m of code.matchAll(dynamicRe)) if (m[1]) out.push([m[1], 'dynamic'])
  for (const m of code.matchAll(quotedAsset)) if (m[1]) out.push([m[1], 'dynamic'])
  return out
}

function cssRefs(code: string): string[] {
  return [...code.matchAll(/@import\s+(?:url\()?\s*["']?([^"')\s;]+)/g)].flatMap((m) => (m[1] ? [m[1]] : []))
}

/** A file waiting to be measured, and how the page reaches it. */
interface Queued {
  file: string
  via: AssetFile['via']
  onDemand: boolean
}

/** Queues a reference found in a file of `from` (a dist folder); `enqueue` ignores what it has seen and what is not JS or CSS. */
type Enqueue = (from: string, ref: string, via: AssetFile['via'], onDemand?: boolean) => void

/** The crawl's work list: each built file is queued once, however many files reference it. */
function assetQueue(distDir: string): { enqueue: Enqueue; queue: Queued[] } {
  const seen = new Set<string>()
  const queue: Queued[] = []
  const enqueue: Enqueue = (from, ref, via, onDemand = false) => {
    const file = resolveRef(distDir, from, ref)
    if (!file || seen.has(file) || !/\.(?:m?js|css)$/.test(file)) return
    seen.add(file)
    queue.push({ file, via, onDemand })
  }
  return { enqueue, queue }
}

/** An inline `<script>` or `<style>` of the page, numbered in page order. */
function inlineFile(kind: AssetFile['kind'], n: number, body: string): AssetFile {
  const label = kind === 'js' ? 'inline script' : 'inline style'
  return { path: `(${label})#${n}`, kind, via: 'html', bytes: Buffer.byteLength(body), gzipBytes: gz(body), onDemand: false }
}

/** The page's `<script>`s: `src` ones are queued; inline ones count too (Astro inlines small scripts), and what they import is queued. */
function pageScripts(html: string, pageDir: string, enqueue: Enqueue): AssetFile[] {
  const files: AssetFile[] = []
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const tag = m[1] ?? ''
    const body = m[2] ?? ''
    const src = attr(tag, 'src')
    const type = attr(tag, 'type')
    if (src) {
      enqueue(pageDir, src, 'html')
      continue
    }
    if (type && !/module|javascript/i.test(type)) continue // JSON-LD, templates...
    if (!body.trim()) continue
    files.push(inlineFile('js', files.length + 1, body))
    for (const [ref, kind] of jsRefs(body)) enqueue(pageDir, ref, kind)
  }
  return files
}

/**
 * The page's inline `<style>`s outside SVG (numbered after the `inlineBefore` inline scripts), and
 * the gzip bytes of the styles inside inline SVG diagrams (diagram content, reported apart).
 */
function pageStyles(html: string, inlineBefore: number): { files: AssetFile[]; svgStyleGzipBytes: number } {
  const svgStyles = [...html.matchAll(/<svg\b[\s\S]*?<\/svg>/gi)].flatMap((svg) =>
    [...svg[0].matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => m[1] ?? ''),
  )
  const svgStyleGzipBytes = svgStyles.reduce((n, body) => n + gz(body), 0)
  const htmlWithoutSvg = html.replace(/<svg\b[\s\S]*?<\/svg>/gi, '')
  const files: AssetFile[] = []
  for (const m of htmlWithoutSvg.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>/gi)) {
    const body = m[1] ?? ''
    if (body.trim()) files.push(inlineFile('css', inlineBefore + files.length + 1, body))
  }
  return { files, svgStyleGzipBytes }
}

/** Queues the page's `<link rel=stylesheet|modulepreload>`. */
function pageLinks(html: string, pageDir: string, enqueue: Enqueue): void {
  for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
    const tag = m[0]
    const relAttr = (attr(tag, 'rel') ?? '').toLowerCase()
    const href = attr(tag, 'href')
    if (href && /\b(?:stylesheet|modulepreload)\b/.test(relAttr)) enqueue(pageDir, href, 'html')
  }
}

/**
 * Measures the queued files and what they reach, transitively (the queue grows as it is read).
 * Below a dynamic import everything is `dynamic`; below the search dialog's entry or an
 * `on-demand-*` chunk everything is on demand.
 */
function crawl(distDir: string, queue: Queued[], enqueue: Enqueue): AssetFile[] {
  const files: AssetFile[] = []
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { file, via, onDemand } = next
    const buf = readFileSync(path.join(distDir, file))
    const kind: AssetFile['kind'] = file.endsWith('.css') ? 'css' : 'js'
    files.push({ path: file, kind, via, bytes: buf.length, gzipBytes: gz(buf), onDemand })
    const fromDir = path.posix.dirname(file)
    const code = buf.toString('utf8')
    const isSearchEntry = /(?:^|\/)Search\.astro_astro_type_script/.test(file)
    if (kind === 'js') {
      for (const [ref, refKind] of jsRefs(code)) {
        const nextVia = via === 'dynamic' ? 'dynamic' : refKind
        const onAction = refKind === 'dynamic' && (isSearchEntry || /(?:^|\/)on-demand-[^/]*\.js$/.test(ref))
        enqueue(fromDir, ref, nextVia, onDemand || onAction)
      }
    } else {
      for (const ref of cssRefs(code)) enqueue(fromDir, ref, via, onDemand)
    }
  }
  return files
}

/**
 * @param distDir  the built site (e.g. site/dist)
 * @param pagePath page path relative to distDir (e.g. `lessons/x/index.html`) or a URL path (`/lessons/x/`)
 */
export function measurePageAssets(distDir: string, pagePath: string): PageAssets {
  let rel = pagePath.replace(/^\//, '')
  if (rel === '' || rel.endsWith('/')) rel += 'index.html'
  const html = readFileSync(path.join(distDir, rel), 'utf8')
  const pageDir = path.posix.dirname(rel)
  const { enqueue, queue } = assetQueue(distDir)
  const scripts = pageScripts(html, pageDir, enqueue)
  const styles = pageStyles(html, scripts.length)
  pageLinks(html, pageDir, enqueue)
  const files = [...scripts, ...styles.files, ...crawl(distDir, queue, enqueue)]

  const sum = (k: AssetFile['kind']) => files.filter((f) => f.kind === k).reduce((n, f) => n + f.gzipBytes, 0)
  const jsOnDemandGzipBytes = files.filter((f) => f.kind === 'js' && f.onDemand).reduce((n, f) => n + f.gzipBytes, 0)
  return { jsGzipBytes: sum('js'), jsOnDemandGzipBytes, cssGzipBytes: sum('css'), svgStyleGzipBytes: styles.svgStyleGzipBytes, files }
}
