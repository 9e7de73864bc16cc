/**
 * `npm start`. Configuration: see README.md ("Configuration") and config.ts.
 */
import { hostname } from 'node:os'
import { projectorKey } from '@realtime-workbook/sandbox-server/instructor'
import { ConfigError, redactUrl } from '@realtime-workbook/sandbox-server/config'
import { ADMIN_UI_NAMESPACE, ADMIN_UI_USERNAME } from '@realtime-workbook/sandbox-server/protocol'
import { ADMIN_UI_PATH } from './admin-ui.ts'
import { launcherConfigFromEnv, type LauncherConfig } from './config.ts'
import { startWorkbook } from './index.ts'

const log = (line: string): void => console.log(line)

let config: LauncherConfig
try {
  config = launcherConfigFromEnv(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  // Exit code 2: nothing was started, the configuration must change (the message says how).
  console.error(`npm start: ${error.message}`)
  process.exit(2)
}

let workbook
try {
  workbook = await startWorkbook(config, log)
} catch (error) {
  const message =
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? `a port is already in use (${(error as Error).message}). Stop the other program, or set SITE_PORT / SANDBOX_PORT.`
      : (error as Error).message
  console.error(`npm start: ${message}`)
  process.exit(1)
}

const redisLine = {
  existing: `${redactUrl(workbook.redis.url)} (already running)`,
  started: `${redactUrl(workbook.redis.url)} (started by npm start, stopped on exit)`,
  none: `NOT AVAILABLE: instances only reach their own clients`,
}[workbook.redis.kind]
/** One line of the summary: labels in one column (the longest, "instructor", and a space). */
const row = (label: string, text: string): void => log(`  ${label.padEnd(11)}${text}`)

log('')
log('realtime-workbook is running')
row('site', workbook.siteUrl)
// The secret rides in the fragment: a browser never sends it in a request line, so no server logs it.
row('instructor', `${workbook.siteUrl}/instructor/#key=${workbook.instructorToken} (console: keep this link to yourself)`)
row(
  'projector',
  `${workbook.siteUrl}/instructor/projector/#view=${projectorKey(workbook.instructorToken)} (read-only, for the class screen)`,
)
const adminPassword = config.instance.adminUiPasswordHash
  ? 'the one ADMIN_UI_PASSWORD_HASH was made from'
  : 'the key in the instructor link'
row(
  'admin ui',
  `${workbook.siteUrl}${ADMIN_UI_PATH} (Socket.IO Admin UI: server URL http://localhost:${workbook.instances[0]?.port ?? ''}, namespace ${ADMIN_UI_NAMESPACE}, user "${ADMIN_UI_USERNAME}", password: ${adminPassword})`,
)
for (const instance of workbook.instances) row('sandbox', `${instance.id}  http://localhost:${instance.port}`)
if (workbook.emitter) row('emitter', `http://localhost:${workbook.emitter.port} (Redis emitter, lesson 3)`)
if (workbook.directory.attacker)
  row('attacker', `http://localhost:${workbook.directory.attacker.port} (lesson 4: another origin, not allowed to use the sandbox)`)
row('redis', redisLine)
row('channels', `prefix "${config.keyPrefix}"`)
if (config.lan) row('LAN', `learners open http://${hostname()}:${config.sitePort} (or this machine's IP)`)
log('Press Ctrl-C to stop.')
log('')

let stopping = false
const stop = (signal: string): void => {
  if (stopping) return
  stopping = true
  log(`\n${signal}: stopping the instances${workbook.redis.kind === 'started' ? ', the site and Redis' : ' and the site'}…`)
  const force = setTimeout(() => process.exit(1), 8_000)
  force.unref()
  void workbook.close().then(() => process.exit(0))
}
process.on('SIGINT', () => stop('Ctrl-C'))
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGHUP', () => stop('SIGHUP'))
