import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { measurePageAssets } from './index.ts'

const dist = mkdtempSync(path.join(tmpdir(), 'rtwb-dist-'))
afterAll(() => rmSync(dist, { recursive: true, force: true }))
const put = (rel: string, body: string) => {
  const file = path.join(dist, rel)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, body)
  return gzipSync(body, { level: 9 }).length
}

describe('measurePageAssets', () => {
  it('follows scripts, stylesheets, static and dynamic imports transitively, counting each file once', () => {
    const sizes = [
      put('_astro/entry.js', 'import{a}from"./shared.js";const w=()=>import("./widget.js");export{w}'),
      put('_astro/shared.js', 'export const a=1'),
      put(
        '_astro/widget.js',
        'import"./shared.js";const io=()=>import("./socket.js");const run=()=>import("./on-demand-run.x1.js");console.log(io,run)',
      ),
      put('_astro/socket.js', 'export const socket="x".repeat(10)'),
      put('_astro/Search.astro_astro_type_script_index_0_lang.abc.js', 'const s=()=>import("./ui-core.js");export{s}'),
      put('_astro/ui-core.js', 'export const ui="search ui"'),
      put('_astro/on-demand-run.x1.js', 'import"./shared.js";export const run="an experiment runner"'),
    ]
    const css = put('_astro/site.css', 'body{color:red}')
    put('_astro/unused.js', 'export const never=1')
    const inline = 'console.log("inline")'
    put(
      'lessons/x/index.html',
      `<!doctype html><link rel="stylesheet" href="/_astro/site.css"><script type="module" src="/_astro/entry.js"></script>` +
        `<script type="module" src="/_astro/Search.astro_astro_type_script_index_0_lang.abc.js"></script>` +
        `<script>${inline}</script><script type="application/ld+json">{"a":1}</script>` +
        `<svg><style>#m{fill:red}</style></svg>`,
    )
    const r = measurePageAssets(dist, '/lessons/x/')
    const paths = r.files.map((f) => f.path)
    expect(paths).toContain('_astro/socket.js')
    expect(paths).toContain('_astro/ui-core.js')
    expect(paths).not.toContain('_astro/unused.js')
    expect(paths.filter((p) => p === '_astro/shared.js')).toHaveLength(1)
    const inlineGz = gzipSync(inline, { level: 9 }).length
    expect(r.jsGzipBytes).toBe(sizes.reduce((a, b) => a + b, 0) + inlineGz)
    expect(r.jsOnDemandGzipBytes).toBe((sizes[5] ?? 0) + (sizes[6] ?? 0))
    expect(r.files.find((f) => f.path === '_astro/on-demand-run.x1.js')?.onDemand).toBe(true)
    expect(r.cssGzipBytes).toBe(css)
    expect(r.svgStyleGzipBytes).toBeGreaterThan(0)
    expect(r.files.find((f) => f.path === '_astro/socket.js')?.via).toBe('dynamic')
    expect(r.files.find((f) => f.path === '_astro/shared.js')?.via).toBe('static')
  })
})
