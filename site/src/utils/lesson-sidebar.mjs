// @ts-check
/**
 * Builds Starlight's sidebar from ../lessons at config time: one link per lesson folder, in
 * `lesson.number` order, with a "Coming soon" badge for coming-soon lessons and a
 * `data-lesson-slug` attribute for the progress badges. Labels come from each entry's title
 * (Starlight resolves `slug` items), so nothing about a lesson is hard-coded here.
 * Invalid frontmatter is skipped here: scripts/check-lessons and the collection schema report it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import yaml from 'js-yaml'

/** @param {string} lessonsDir absolute path of the repo-root lessons/ folder */
export function lessonSidebar(lessonsDir) {
  if (!existsSync(lessonsDir)) return []
  /** @type {Array<{ number: number, item: any }>} */
  const items = []
  for (const folder of readdirSync(lessonsDir)) {
    const match = /^\d+-(.+)$/.exec(folder)
    const file = path.join(lessonsDir, folder, 'index.mdx')
    if (!match || !existsSync(file)) continue
    const fm = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(file, 'utf8'))?.[1]
    /** @type {any} */
    let data
    try {
      data = fm ? yaml.load(fm) : undefined
    } catch {
      data = undefined
    }
    const lesson = data?.lesson
    const number = typeof lesson?.number === 'number' ? lesson.number : 99
    const slug = match[1]
    items.push({
      number,
      item: {
        slug: `lessons/${slug}`,
        attrs: { 'data-lesson-slug': slug },
        ...(lesson?.status === 'coming-soon' ? { badge: { text: 'Coming soon', variant: 'note' } } : {}),
      },
    })
  }
  return items.sort((a, b) => a.number - b.number).map((i) => i.item)
}
