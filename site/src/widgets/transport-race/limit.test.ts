// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { createFakeClients } from './fake-clients.ts'
import { createLimit, createLimitPanel, MAX_STREAMS } from './limit.ts'

describe('connection-limit demo', () => {
  it('opens streams that wait until the browser gives them a connection, caps them, and resets', () => {
    const clients = createFakeClients()
    let changes = 0
    const limit = createLimit(clients, () => changes++)
    limit.open() // no target yet
    expect(limit.streams()).toHaveLength(0)
    limit.setTarget('http://localhost:4003', 'aaaaaa')
    for (let n = 0; n < 7; n++) limit.open()
    clients.sources.slice(0, 6).forEach((s) => s.open()) // the browser's 6 connections
    expect(limit.streams().map((s) => s.status)).toEqual([...Array(6).fill('open'), 'waiting'])
    expect(clients.sources[6]!.url).toBe('http://localhost:4003/t/aaaaaa/slot/7')

    limit.release(1) // a connection is free: the 7th starts
    expect(clients.sources[0]!.readyState).toBe(2)
    clients.sources[6]!.open()
    expect(limit.streams().map((s) => s.status)).toEqual(Array(6).fill('open'))

    for (let n = 0; n < 5; n++) limit.open()
    expect(limit.streams()).toHaveLength(MAX_STREAMS)
    limit.releaseAll()
    expect(limit.streams()).toHaveLength(0)
    expect(clients.sources.every((s) => s.readyState === 2)).toBe(true)
    // A waiting stream whose connection arrives after the release stays closed and unlisted.
    clients.sources.at(-1)!.onopen?.(new Event('open'))
    expect(limit.streams()).toHaveLength(0)
    limit.open()
    expect(clients.sources.at(-1)!.url).toMatch(/\/slot\/1$/) // numbering restarts
    expect(changes).toBeGreaterThan(0)
  })

  it('renders open and waiting items with test ids', () => {
    const clients = createFakeClients()
    const panel = createLimitPanel(clients)
    panel.setTarget('http://localhost:4003', 'i3', 'aaaaaa')
    const $ = (id: string) => panel.el.querySelector(`[data-testid="${id}"]`) as HTMLButtonElement
    expect($('tr-limit-release').disabled).toBe(true)
    $('tr-limit-open').click()
    $('tr-limit-open').click()
    clients.sources[0]!.open()
    const items = [...panel.el.querySelectorAll<HTMLElement>('[data-testid="tr-limit-stream"]')]
    expect(items.map((i) => i.dataset.status)).toEqual(['open', 'waiting'])
    expect(items[1]!.textContent).toContain('waiting for a free connection…')
    expect($('tr-limit-summary').textContent).toBe('1 open, 1 waiting.')
    $('tr-limit-release').click()
    expect(panel.el.querySelectorAll('[data-testid="tr-limit-stream"]')).toHaveLength(0)
    expect($('tr-limit-summary').textContent).toBe('No stream open.')
  })

  it('keeps keyboard focus when the focused control is disabled or re-rendered', () => {
    const clients = createFakeClients()
    const panel = createLimitPanel(clients)
    document.body.append(panel.el)
    panel.setTarget('http://localhost:4003', 'i3', 'aaaaaa')
    const $ = (id: string) => panel.el.querySelector(`[data-testid="${id}"]`) as HTMLButtonElement
    $('tr-limit-open').click()
    $('tr-limit-open').click()
    panel.el.querySelector<HTMLButtonElement>('[data-testid="tr-limit-close"]')!.focus()
    panel.el.querySelector<HTMLButtonElement>('[data-testid="tr-limit-close"]')!.click() // its item is re-rendered away
    expect(document.activeElement).toBe(panel.el.querySelector('[data-testid="tr-limit-close"]'))
    $('tr-limit-release').focus()
    $('tr-limit-release').click() // Release all is disabled now
    expect(document.activeElement).toBe($('tr-limit-open'))
    panel.el.remove()
  })
})
