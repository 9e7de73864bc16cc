/**
 * Shows each lesson's saved progress as a small badge next to its sidebar link
 * (links carry `data-lesson-slug`, added by utils/route-middleware.ts). Updates live.
 */
import { loadProgress, PROGRESS_EVENT, progressKey, summarize } from './progress'

function render(link: HTMLAnchorElement): void {
  const slug = link.dataset.lessonSlug ?? ''
  const summary = summarize(loadProgress(slug))
  let badge = link.querySelector<HTMLElement>('.rtwb-progress')
  if (!summary) {
    badge?.remove()
    return
  }
  if (!badge) {
    badge = document.createElement('span')
    badge.className = 'rtwb-progress'
    link.append(badge)
  }
  badge.textContent = summary.text
  badge.title = summary.label
  badge.dataset.complete = String(summary.complete)
  // Visible text is terse; screen readers get the full sentence instead.
  badge.setAttribute('aria-label', summary.label)
  badge.setAttribute('role', 'img')
}

export function initSidebarProgress(): void {
  const links = () => [...document.querySelectorAll<HTMLAnchorElement>('a[data-lesson-slug]')]
  for (const link of links()) render(link)
  window.addEventListener(PROGRESS_EVENT, (event) => {
    const slug = (event as CustomEvent<{ slug: string }>).detail?.slug
    for (const link of links()) if (!slug || link.dataset.lessonSlug === slug) render(link)
  })
  window.addEventListener('storage', (event) => {
    if (event.key === null || event.key.startsWith(progressKey(''))) for (const link of links()) render(link)
  })
}
