/**
 * Waiting on a condition instead of sleeping: the one poll loop of every test suite (the
 * integration harness and the contract kit). Dependency-free, so unit tests can use it too.
 */

/**
 * Resolves once `check` passes; rethrows its last error after `timeoutMs`.
 *
 * @example
 * await eventually(() => expect(b.received).toHaveLength(1))
 */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 3_000, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, pollMs))
    }
  }
}
