/** rehype-scroll-tables: every table, at any depth, becomes focusable; nothing else changes. */
import { describe, expect, it } from 'vitest'
import { rehypeScrollTables, type HNode } from './rehype-scroll-tables.mjs'

const el = (tagName: string, children: HNode[] = [], properties: Record<string, unknown> = {}): HNode => ({
  type: 'element',
  tagName,
  properties,
  children,
})

describe('rehypeScrollTables', () => {
  it('gives every table tabindex 0 and keeps its other properties', () => {
    const nested = el('table', [], { className: ['wide'] })
    const tree: HNode = { type: 'root', children: [el('table'), el('div', [el('aside', [nested])]), el('p')] }
    rehypeScrollTables()(tree)
    expect(tree.children?.[0]?.properties).toEqual({ tabIndex: 0 })
    expect(nested.properties).toEqual({ className: ['wide'], tabIndex: 0 })
    expect(tree.children?.[2]?.properties).toEqual({})
  })
})
