/**
 * The configuration tables of README.md (launcher) and sandbox-server/README.md (instance) list
 * exactly the variables the code reads, each with the default the code uses.
 */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { defaultInstanceConfig, ENV_NAMES, instanceConfigToEnv, toEnvValue } from '@realtime-workbook/sandbox-server/config'
import { LAUNCHER_ENV_NAMES, resolveLauncherConfig } from './config.ts'

const byVariable = (rows: string[][]): string[][] => rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])))

/** The rows of the first markdown table under `heading` in `file`, as trimmed cells, by variable. */
function tableRows(file: string, heading: string): string[][] {
  const lines = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8').split('\n')
  const from = lines.findIndex((line) => line.startsWith(heading))
  const start = lines.findIndex((line, index) => index > from && line.startsWith('|'))
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'))
  return byVariable(
    lines.slice(start + 2, end).map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    ),
  )
}

const code = (text: string): string => (text === '' ? '' : `\`${text}\``)

it('sandbox-server/README.md: every instance variable, its option and its default', () => {
  const defaults = instanceConfigToEnv(defaultInstanceConfig)
  const expected = Object.entries(ENV_NAMES).map(([option, name]) => [code(name), code(option), code(defaults[name] ?? '')])
  expect(tableRows('sandbox-server/README.md', '## Configuration').map((cells) => cells.slice(0, 3))).toEqual(byVariable(expected))
})

it('README.md: every launcher variable and its default', () => {
  const config = resolveLauncherConfig({})
  // Defaults computed at start-up, documented in words.
  const computed: Record<string, string> = { keyPrefix: 'rtwb-<host>-<site port>', siteDir: 'site/dist' }
  const expected = Object.entries(LAUNCHER_ENV_NAMES).map(([option, name]) => {
    const value = computed[option] ?? toEnvValue(config[option as keyof typeof LAUNCHER_ENV_NAMES] ?? '')
    return [code(name), code(value)]
  })
  expect(tableRows('README.md', '## Configuration').map((cells) => cells.slice(0, 2))).toEqual(byVariable(expected))
})
