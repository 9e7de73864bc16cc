// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { showAnnouncement, showNotice } from './class-banner.ts'

const q = (root: ParentNode, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement

afterEach(() => {
  sessionStorage.clear()
  document.body.replaceChildren()
})

describe('announcement banner', () => {
  it('renders text only, can be dismissed for the tab, and a newer one shows again', () => {
    document.body.append(Object.assign(document.createElement('div'), { id: 'rtwb-class-banner' }))
    showAnnouncement({ text: '<img src=x onerror=alert(1)> Open lesson 3', at: 10 })
    expect(document.querySelector('img')).toBeNull()
    expect(q(document, 'class-announcement-text').textContent).toBe('<img src=x onerror=alert(1)> Open lesson 3')
    q(document, 'class-announcement-dismiss').click()
    expect(q(document, 'class-announcement')).toBeNull()
    showAnnouncement({ text: 'again', at: 10 })
    expect(q(document, 'class-announcement')).toBeNull()
    showAnnouncement({ text: 'newer', at: 11 })
    expect(q(document, 'class-announcement-text').textContent).toBe('newer')
    showNotice('closed')
    expect(q(document, 'class-notice-text').textContent).toBe('closed')
  })
})
