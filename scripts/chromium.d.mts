/** Types of chromium.mjs (plain ESM so that astro.config.mjs can import it). */
export declare const CHROMIUM_ARGS: string[]
export declare function findChromium(): string | null
