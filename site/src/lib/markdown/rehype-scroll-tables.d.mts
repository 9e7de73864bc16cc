export interface HNode {
  type: string
  tagName?: string
  properties?: Record<string, unknown>
  children?: HNode[]
}
export declare function rehypeScrollTables(): (tree: HNode) => void
