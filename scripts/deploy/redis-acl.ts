/**
 * `RTWB_REDIS_PASSWORD=... npm run deploy:redis-acl -- <key prefix> [output]`: writes the Redis
 * ACL file of a deployment (see ./index.ts `redisAclUser` and docs/deploy.md): the default user
 * off, and one user `rtwb` for the instances and the emitter, with only the commands they send.
 * The password comes from the environment (never an argument: it would show in `ps`).
 */
import { writeFileSync } from 'node:fs'
import { redisAclUser } from './index.ts'

const [keyPrefix, output] = process.argv.slice(2)
const password = process.env.RTWB_REDIS_PASSWORD ?? ''
if (!keyPrefix || password.length < 32) {
  console.error('usage: RTWB_REDIS_PASSWORD=<32+ characters> npm run deploy:redis-acl -- <SANDBOX_KEY_PREFIX> [users.acl]')
  process.exit(2)
}
try {
  const text = `user default off\n${redisAclUser({ user: 'rtwb', keyPrefix, password })}\n`
  if (output) writeFileSync(output, text, { mode: 0o600 })
  else process.stdout.write(text)
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(2)
}
