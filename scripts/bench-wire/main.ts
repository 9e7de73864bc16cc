/**
 * `npm run bench:wire`: the figures of lesson 5's "what goes on the wire", with spread. Runs the
 * instance's own wire meter (`sandbox-server/src/resilience/wire.ts`: a throw-away Socket.IO
 * server and client on loopback per format, 200 different messages server -> client, bytes read
 * from the TCP socket, CPU from `process.cpuUsage()` for BOTH ends in this one process) `REPS`
 * times per payload size (env BENCH_REPS, default 5, at most 20), and prints per format the
 * bytes per message (identical on every repetition: the messages are deterministic) and the
 * median, min and max CPU µs per message. No Redis, no network beyond loopback.
 */
import { WIRE_FORMATS, WIRE_PAYLOADS, WIRE_SIZES, type WireResult } from '../../sandbox-server/src/protocol/index.ts'
import { createWireMeter } from '../../sandbox-server/src/resilience/wire.ts'
import { median } from '../bench-fanout/stats.ts'

const REPS = Math.min(20, Math.max(1, Number(process.env.BENCH_REPS ?? 5)))
const meter = createWireMeter()

console.log(`wire bench: ${REPS} repetitions per size, 200 messages per run, Node ${process.version}\n`)
for (const size of WIRE_SIZES) {
  const runs: WireResult[][] = []
  let header = ''
  for (let rep = 0; rep < REPS; rep++) {
    const answer = await meter.measure(size)
    if ('error' in answer) throw new Error(answer.error.message)
    header = `${size}: ${answer.payloadBytes} B of JSON per message on average, binary attachment ${answer.binaryBytes} B`
    runs.push(answer.results)
  }
  console.log(header)
  console.log('| format | payload | bytes/message | CPU µs/message median (min-max) |\n| --- | --- | ---: | ---: |')
  for (const format of WIRE_FORMATS) {
    for (const payload of WIRE_PAYLOADS) {
      const of = runs.map((results) => results.find((r) => r.format === format && r.payload === payload))
      const bytes = of.map((r) => r?.bytesPerMessage ?? NaN)
      const cpu = of.map((r) => r?.cpuMicrosPerMessage ?? NaN)
      const line = `| ${format} | ${payload} | ${median(bytes)} | ${median(cpu)} (${Math.min(...cpu)}-${Math.max(...cpu)}) |`
      console.log(line)
    }
  }
  console.log('')
}
process.exit(0)
