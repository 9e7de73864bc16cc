// @vitest-environment happy-dom
import { expect, it } from 'vitest'
import { createFakeConnector } from '../../sandbox/fake-connector.ts'
import { mountInstructorView } from './index.ts'

it('shows each instance, its Redis link, sockets and spaces, and notices an instance going down', async () => {
  const connector = createFakeConnector()
  const client = connector.connectClient({ instance: (await connector.directory()).instances[1]!, namespace: '/chat', label: 'A', space: 'abc123' })
  await new Promise((resolve) => setTimeout(resolve, 20))
  const root = document.createElement('div')
  const stop = await mountInstructorView(root, connector, { intervalMs: 10 })
  const rows = () => [...root.querySelectorAll('[data-testid="iv-row"]')].map((row) => [...row.children].map((cell) => cell.textContent))
  expect(rows().map((cells) => cells.slice(0, 1).concat(cells.slice(2, 6)))).toEqual([
    ['i1', 'up', 'ready', '0', '0'],
    ['i2', 'up', 'ready', '1', '1'],
    ['i3', 'up', 'ready', '0', '0'],
  ])
  expect(root.querySelector('[data-testid="iv-summary"]')?.textContent).toMatch(/^3 of 3 instances up · 1 connections/)
  connector.down.add('i3')
  await new Promise((resolve) => setTimeout(resolve, 40))
  expect(root.querySelector('[data-instance="i3"]')?.getAttribute('data-up')).toBe('false')
  stop()
  client.close()
})

it('says the cluster is not running, with Retry, when nothing answers', async () => {
  const connector = createFakeConnector({ offline: true })
  const root = document.createElement('div')
  const stop = await mountInstructorView(root, connector, { intervalMs: 10 })
  expect(root.dataset.state).toBe('offline')
  expect(root.querySelector('[data-testid="iv-offline"]')?.textContent).toContain('npm install && npm start')
  connector.offline = false
  root.querySelector<HTMLButtonElement>('[data-testid="iv-retry"]')?.click()
  await new Promise((resolve) => setTimeout(resolve, 40))
  expect(root.dataset.state).toBe('ready')
  expect(root.querySelectorAll('[data-testid="iv-row"]')).toHaveLength(3)
  stop()
})
