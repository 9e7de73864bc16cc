/**
 * `npm run deploy:nginx -- <deploy.json> [output]`: renders the nginx configuration of a
 * deployment (see ./index.ts and docs/deploy.md) to `output`, or to stdout. A wrong field stops it
 * (exit code 2) with every problem listed.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { ConfigError } from '@realtime-workbook/sandbox-server/config'
import { renderNginxConfig, resolveDeployConfig } from './index.ts'

const [input, output] = process.argv.slice(2)
if (!input) {
  console.error('usage: npm run deploy:nginx -- <deploy.json> [output.conf]   (example: deploy/deploy.example.json)')
  process.exit(2)
}
try {
  const text = renderNginxConfig(resolveDeployConfig(JSON.parse(readFileSync(input, 'utf8')) as unknown, input))
  if (output) writeFileSync(output, text)
  else process.stdout.write(text)
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof SyntaxError)) throw error
  console.error(error.message)
  process.exit(2)
}
