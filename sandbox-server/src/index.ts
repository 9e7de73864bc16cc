/**
 * The sandbox server: start an instance, and the protocol its widgets speak.
 *
 * @module
 */
export { startSandboxServer, type SandboxServer, type StartOptions } from './server/index.ts'
export { instanceConfigFromEnv, resolveInstanceConfig, ConfigError, ENV_NAMES, type InstanceConfig } from './config/index.ts'
export { SandboxError } from './errors/index.ts'
export { InstructorAccess, projectorKey } from './instructor/auth.ts'
export { createEmitterApp, type EmitterAppOptions } from './emitter/index.ts'
export * from './protocol/index.ts'
export * from './protocol/schemas.ts'
