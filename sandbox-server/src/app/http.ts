/**
 * The package export `@realtime-workbook/sandbox-server/http`: the instances' HTTP edge rules
 * (site Origin, JSON-only bodies, body limits, typed JSON errors) for another process's HTTP
 * server that must apply the same ones (the launcher's instructor fault controls).
 *
 * @module
 */
export { answerErrors, clientAddress, limitBodies, readJsonBody, siteRequestsOnly } from './guard.ts'
export { TrustedProxies } from './client-address.ts'
export { SandboxError } from '../errors/index.ts'
