/**
 * Every page's class bootstrap (Starlight's Banner override runs it): nothing more than a
 * localStorage read and two listeners for a browser that is in no class. The class client
 * (socket.io-client on `/class`: announcements, widgets reported, reset and close) loads only when
 * this browser is a member, or when the learner asks to join from a space bar.
 */
import { CLASS_EVENTS, readMembership } from './class-membership.ts'

type ClassClient = typeof import('./on-demand-class-client.ts')
let loading: Promise<ClassClient> | null = null
const client = (): Promise<ClassClient> => (loading ??= import('./on-demand-class-client.ts'))

/**
 * Starts the class client if this browser is in a class; loads it on a join request otherwise.
 *
 * @example
 * bootClass() // in a page script, once
 */
export function bootClass(): void {
  if (readMembership()) void client().then((c) => c.startClassClient())
  addEventListener(CLASS_EVENTS.join, (e) => {
    const detail: unknown = e instanceof CustomEvent ? e.detail : null
    void client().then((c) => c.joinClass(detail))
  })
}
