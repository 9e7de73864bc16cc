export declare const DIAGRAM_FONT_PX: number
export declare const MERMAID_CONFIG: Record<string, unknown>
export declare function mermaidConfig(theme: 'default' | 'dark'): Record<string, unknown>
export declare function diagramLabel(source: string): string
