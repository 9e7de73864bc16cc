/**
 * The lessons show server lines; the sandbox runs lines. They must be the same lines, so a
 * learner who copies a snippet gets what the widget showed.
 */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { SEND_CALLS, serverLine } from '@realtime-workbook/sandbox-server/protocol'

const lesson2 = readFileSync(new URL('../../lessons/02-socketio-foundations/index.mdx', import.meta.url), 'utf8')
/** Text inside fenced code blocks only: prose mentions don't count. */
const codeBlocks = [...lesson2.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((match) => match[1]).join('\n')

it.each(SEND_CALLS)('lesson 2 shows the exact line the playground runs for %s', (call) => {
  const rooms = call === 'io.to(rooms).emit' ? ['paris', 'lyon'] : call.includes('(room)') ? ['paris'] : []
  expect(codeBlocks).toContain(serverLine(call, '/chat', rooms))
})

it('lesson 2 shows the join and leave lines and the client calls', () => {
  for (const line of ['socket.join("paris")', 'socket.leave("paris")', 'socket.emit("send", { call, rooms, text }, ack)', 'socket.emit("room:join", { room: "paris" }, ack)']) {
    expect(codeBlocks).toContain(line)
  }
})
