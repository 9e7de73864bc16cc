/**
 * Lessons as the site sees them: the `docs` entries that carry a `lesson` block, in number order.
 * Used by the home page cards and the route middleware (sidebar order, badges, prev/next).
 */
import { getCollection } from 'astro:content'
import type { LessonMeta } from '../lib/lesson-data/schema'

export interface LessonSummary {
  /** Collection id, e.g. `lessons/socketio-foundations`. */
  id: string
  /** Slug used for progress storage and data collections, e.g. `socketio-foundations`. */
  slug: string
  /** Site URL, e.g. `/lessons/socketio-foundations/`. */
  href: string
  title: string
  description: string | undefined
  lesson: LessonMeta
}

let cache: Promise<LessonSummary[]> | undefined

/** All lessons sorted by `lesson.number`. */
export function getLessons(): Promise<LessonSummary[]> {
  cache ??= getCollection('docs').then((entries) =>
    entries
      .flatMap((entry) => {
        const lesson = entry.data.lesson
        if (!lesson) return []
        const slug = entry.id.replace(/^lessons\//, '')
        return [
          {
            id: entry.id,
            slug,
            href: `${import.meta.env.BASE_URL.replace(/\/$/, '')}/${entry.id}/`,
            title: entry.data.title,
            description: entry.data.description,
            lesson,
          },
        ]
      })
      .sort((a, b) => a.lesson.number - b.lesson.number),
  )
  return cache
}
