/**
 * `npm run deploy:nginx -- <deploy.json> [output]`: renders the nginx configuration of a
 * deployment (see ./index.ts and docs/deploy.md) to `output`, or to stdout, and says on stderr
 * what the instances must be given to match it (`SANDBOX_TRUSTED_PROXIES`). A wrong field stops it
 * (exit code 2) with every problem listed.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { ConfigError } from '@realtime-workbook/sandbox-server/config'
import { instanceEnvironment, renderNginxConfig, resolveDeployConfig } from './index.ts'

const [input, output] = process.argv.slice(2)
if (!input) {
  console.error('usage: npm run deploy:nginx -- <deploy.json> [output.conf]   (example: deploy/deploy.example.json)')
  process.exit(2)
}
try {
  const config = resolveDeployConfig(JSON.parse(readFileSync(input, 'utf8')) as unknown, input)
  const text = renderNginxConfig(config)
  if (output) writeFileSync(output, text)
  else process.stdout.write(text)
  // What the instances need to match this file (stderr: stdout may be the file itself).
  const env = Object.entries(instanceEnvironment(config)).map(([name, value]) => `${name}=${value}`)
  console.error(
    env.length > 0
      ? `instances: set ${env.join(' ')} (in /etc/realtime-workbook/sandbox.env, or the Compose environment)`
      : "instances: no proxyAddress in the deployment file, so they must trust no proxy (every learner has nginx's address)",
  )
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof SyntaxError)) throw error
  console.error(error.message)
  process.exit(2)
}
