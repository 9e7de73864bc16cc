/**
 * Stands in for engine.io-client's WebTransport transport in the site bundle (see
 * `without-webtransport.mjs`): the sandbox never offers WebTransport, so this is never built.
 */
export class WT {
  constructor() {
    throw new Error('WebTransport is left out of the workbook bundle: the sandbox only offers polling and WebSocket')
  }
}
