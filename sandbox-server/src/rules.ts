/**
 * The server's rules without the server: validation schemas, limits, error bodies, admission and
 * rate limiting, as plain modules with no sockets or Redis. The in-memory fake connector of the
 * site's tests runs on these, so it cannot drift from what an instance does (the contract suite
 * in `tests/contract` proves the rest). Pages never import this entry: it brings zod.
 *
 * @example
 * import { resolveInstanceConfig, SpaceRegistry } from '@realtime-workbook/sandbox-server/rules'
 * const registry = new SpaceRegistry(resolveInstanceConfig())
 *
 * @module
 */
export { resolveInstanceConfig, type InstanceConfig } from './config/index.ts'
export { parseOrThrow, SandboxError } from './errors/index.ts'
export { TokenBucket } from './rate-limit/index.ts'
export { RateLimitedError, SharedLimiter } from './rate-limit/shared.ts'
export { authorizeEvent, authorizeRoom, tokenClaimsOf, userRoom } from './secure/rules.ts'
export { issueToken, tokenError, tokenKey, verifyToken } from './secure/tokens.ts'
export { SpaceRegistry, type Admitted } from './spaces/index.ts'
export * from './resilience/rules.ts'
export * from './protocol/schemas.ts'
