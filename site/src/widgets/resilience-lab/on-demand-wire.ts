/**
 * Experiment 5's run, loaded on the first click: the instance measures one payload on its real
 * loopback wire in each format (the default JSON parser and msgpack, each with permessage-deflate
 * off and on; the payload as text only and with a binary attachment) and answers bytes and CPU per
 * message; shown as a table, each size also against plain JSON text.
 * An `on-demand-*` module: the page budget counts it apart.
 */
import { h } from '../../sandbox/dom.ts'
import { WIRE_FORMATS, type WireMeasureAck, type WireResult, type WireSize } from '@realtime-workbook/sandbox-server/protocol'
import { openLab } from './clients.ts'
import type { LabContext, Outcome, Progress } from './types.ts'
import { table } from './view.ts'

/** The measurement runs on the instance: give it time (it aborts itself after a few seconds). */
export const WIRE_TIMEOUT_MS = 15_000

type Measured = Extract<WireMeasureAck, { ok: true }>

const bytes = (r: WireResult | undefined) => (r ? Math.round(r.bytesPerMessage) : null)
const cpu = (r: WireResult | undefined) => (r ? r.cpuMicrosPerMessage.toFixed(r.cpuMicrosPerMessage < 10 ? 1 : 0) : '–')
const testKey = (format: string) => format.replace('+', '-')
/** A `data-*` key: `bytesJsonDeflateText` (a dataset key may not have "-" before a lower-case letter). */
const figureKey = (format: string, payload: string) =>
  `bytes${`${format}+${payload}`.replace(/(^|\+)([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase())}`

/** One row per format: text bytes (and against JSON text), with the binary attachment, CPU µs of each. */
function rows(m: Measured) {
  const find = (format: string, payload: string) => m.results.find((r) => r.format === format && r.payload === payload)
  const base = bytes(find('json', 'text'))
  return WIRE_FORMATS.filter((f) => m.results.some((r) => r.format === f)).map((format) => {
    const text = find(format, 'text')
    const binary = find(format, 'binary')
    const b = bytes(text)
    return [
      h('code', { text: format }),
      h(
        'span',
        {},
        h('span', { 'data-testid': `rl-bytes-${testKey(format)}-text`, text: b ?? '–' }),
        base && b !== null ? h('span', { class: 'rl-muted', text: ` (${Math.round((b / base) * 100)} %)` }) : null,
      ),
      h('span', { 'data-testid': `rl-bytes-${testKey(format)}-binary`, text: bytes(binary) ?? '–' }),
      `${cpu(text)} / ${cpu(binary)}`,
    ]
  })
}

/**
 * @example
 * const outcome = await runWire(ctx, 'small', progress)
 */
export async function runWire(ctx: LabContext, size: WireSize, progress: Progress): Promise<Outcome> {
  const instance = ctx.instances[0]
  if (!instance) throw new Error('no instance is up')
  const peer = await openLab(ctx, { instance, side: 'pubsub', label: 'wire' })
  progress(`Measuring a ${size} payload in every format on ${instance.id}…`)
  const ack = await peer.client.request('wire:measure', { size }, WIRE_TIMEOUT_MS)
  peer.client.close()
  if ('error' in ack) throw new Error(`wire:measure: ${ack.error.code} ${ack.error.message}`)
  const figures: Record<string, number> = {}
  for (const r of ack.results) figures[figureKey(r.format, r.payload)] = Math.round(r.bytesPerMessage)
  const json = bytes(ack.results.find((r) => r.format === 'json' && r.payload === 'text'))
  const msgpack = bytes(ack.results.find((r) => r.format === 'msgpack' && r.payload === 'text'))
  return {
    figures,
    summary: `${size} payload: JSON ${json ?? '–'} B, msgpack ${msgpack ?? '–'} B per message.`,
    view: h(
      'div',
      {},
      table(
        `Bytes per message on the wire, ${size} payload`,
        ['Format', 'Bytes, text (vs JSON)', 'Bytes, with binary', 'CPU µs, text / binary'],
        rows(ack),
        'rl-wire-table',
      ),
      h('p', {
        class: 'rl-note',
        text: `Payload ${ack.payloadBytes} B + ${ack.binaryBytes} B binary; ${ack.messages} messages per format on ${instance.id}'s loopback wire (TCP bytes both ways, idle baseline removed). Deflate: threshold ${ack.deflateThresholdBytes} B, context takeover on (ws then compresses every message). CPU: the instance's process, client and server sides together.`,
      }),
    ),
  }
}
