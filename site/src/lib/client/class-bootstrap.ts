/**
 * Every page's class bootstrap (Starlight's Banner override runs it): nothing more than a
 * localStorage read and a listener for a browser that is in no class (it imports class-keys.ts
 * only: whatever else it imported would be shared with the class client's chunk and load eagerly). The class client
 * (socket.io-client on `/class`: announcements, widgets reported, reset and close) loads only when
 * this browser is a member, or when the learner asks to join from a space bar.
 */
import { CLASS_JOIN_EVENT, CLASS_STORAGE_KEY } from '../../sandbox/class-keys.ts'

type ClassClient = typeof import('../../widgets/class-client/on-demand-class-client.ts')
let loading: Promise<ClassClient> | null = null
const client = (): Promise<ClassClient> => (loading ??= import('../../widgets/class-client/on-demand-class-client.ts'))

/** Whether a membership is stored (the class client checks it, and forgets a bad one). */
function stored(): boolean {
  try {
    return localStorage.getItem(CLASS_STORAGE_KEY) !== null
  } catch {
    return false
  }
}

/**
 * Starts the class client if this browser is in a class; loads it on a join request otherwise.
 *
 * @example
 * bootClass() // in a page script, once
 */
export function bootClass(): void {
  if (stored()) void client().then((c) => c.startClassClient())
  addEventListener(CLASS_JOIN_EVENT, (e) => {
    const detail: unknown = e instanceof CustomEvent ? e.detail : null
    void client().then((c) => c.joinClass(detail))
  })
}
