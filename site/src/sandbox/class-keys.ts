/**
 * The names a class member's pages share: the localStorage key of the membership and the window
 * events between the class client, the space bars and the widgets' space state. No imports: every
 * page's class bootstrap and every widget chunk carry this module; the full membership and its
 * checks (class-membership.ts) load with the class client and the join form only.
 */

export const CLASS_STORAGE_KEY = 'rtwb:class:v1'

/** Window event: the stored membership changed (joined, left, closed): widgets re-read the class space. */
export const CLASS_CHANGED_EVENT = 'rtwb:class-changed'

/** Window event: the instructor reset the class: widgets reopen their sockets in the same space. */
export const CLASS_RESET_EVENT = 'rtwb:class-reset'

/** Window event, space bar -> class client (the bootstrap loads it): detail `{ code, name }`. */
export const CLASS_JOIN_EVENT = 'rtwb:class-join'

/**
 * The class space alone, beside the membership (class-membership.ts writes both), so that every
 * widget chunk reads it with one `getItem` and no JSON: the membership is checked where it is used.
 */
export const CLASS_SPACE_KEY = 'rtwb:class-space:v1'
