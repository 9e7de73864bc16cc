/**
 * Starlight route middleware: orders the lesson links in the sidebar by `lesson.number`,
 * adds a "Coming soon" badge to coming-soon lessons, tags each lesson link with
 * `data-lesson-slug` (the sidebar progress script uses it) and recomputes prev/next.
 */
import { defineRouteMiddleware } from '@astrojs/starlight/route-data'
import type { StarlightRouteData } from '@astrojs/starlight/route-data'
import { getLessons, type LessonSummary } from './lessons'

type Entry = StarlightRouteData['sidebar'][number]
type Link = Extract<Entry, { type: 'link' }>

const normalize = (href: string) => (href.endsWith('/') ? href : `${href}/`)

function decorate(entries: Entry[], byHref: Map<string, LessonSummary>): Entry[] {
  const out = entries.map((entry): Entry => {
    if (entry.type === 'group') return { ...entry, entries: decorate(entry.entries, byHref) }
    const lesson = byHref.get(normalize(entry.href))
    if (!lesson) return entry
    return {
      ...entry,
      label: `${lesson.lesson.number}. ${lesson.title}`,
      badge: lesson.lesson.status === 'coming-soon' ? { text: 'Coming soon', variant: 'note' } : entry.badge,
      attrs: { ...entry.attrs, 'data-lesson-slug': lesson.slug },
    }
  })
  const order = (e: Entry) => (e.type === 'link' ? (byHref.get(normalize(e.href))?.lesson.number ?? 1000) : 1000)
  return out.every((e) => e.type === 'link') ? [...out].sort((a, b) => order(a) - order(b)) : out
}

function flatten(entries: Entry[]): Link[] {
  return entries.flatMap((e) => (e.type === 'group' ? flatten(e.entries) : [e]))
}

export const onRequest = defineRouteMiddleware(async (context) => {
  const route = context.locals.starlightRoute
  const lessons = await getLessons()
  const byHref = new Map(lessons.map((l) => [normalize(l.href), l]))
  route.sidebar = decorate(route.sidebar, byHref)
  if (route.entry.data.lesson) {
    const links = flatten(route.sidebar)
    const i = links.findIndex((l) => l.isCurrent)
    if (i !== -1) {
      route.pagination = {
        prev: route.entry.data.prev === false ? undefined : links[i - 1],
        next: route.entry.data.next === false ? undefined : links[i + 1],
      }
    }
  }
})
