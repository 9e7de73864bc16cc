/**
 * The one list of what the axe-core browser test (accessibility.test.ts) leaves out, each with its
 * reason. Prefer a fix (a Starlight override, a CSS custom property) to a line here; a line here
 * must name what upstream or browser behaviour makes the fix impossible or wrong.
 */

/** One excluded rule, optionally only on some elements. */
export interface AxeExclusion {
  /** axe-core rule id, e.g. `color-contrast`. */
  rule: string
  /** CSS selectors of the elements it is skipped on; omitted = the rule is off everywhere. */
  selectors?: readonly string[]
  /** Why: the upstream component or behaviour, and why no override fixes it. */
  reason: string
}

/**
 * What the axe test skips; every other WCAG 2.0/2.1/2.2 A+AA rule runs on every element.
 *
 * @example
 * AXE_EXCLUSIONS.map((e) => e.rule) // ['label-content-name-mismatch']
 */
export const AXE_EXCLUSIONS: readonly AxeExclusion[] = [
  {
    rule: 'label-content-name-mismatch',
    selectors: ['button[data-open-modal]'],
    reason:
      "Starlight 0.37's search button (components/Search.astro, not a component Starlight lets us override in part) " +
      'is named "Search" and shows "Search" plus the shortcut hint "Ctrl K" in a <kbd>. The visible label, "Search", ' +
      'is the name (WCAG 2.5.3 holds: speech users say "click Search"); axe counts the shortcut hint as label text. ' +
      'Replacing the whole component to rename one button would fork the search dialog.',
  },
]
