/**
 * Which "Check yourself" data a page has (quiz.yaml / workbook.yaml of its lesson), looked up once
 * for the section itself (MarkdownContent.astro) and for its "On this page" entry (toc-route-data.ts).
 */
import { getCollection } from 'astro:content'
import type { Quiz, Workbook } from '../../lib/lesson-data/schema'

/** The section's heading: its id is the TOC link target. */
export const CHECK_YOURSELF_HEADING = { id: 'check-yourself', text: 'Check yourself' } as const

/** A lesson's self-check data, or undefined when the page has neither a quiz nor a workbook. */
export interface CheckYourselfData {
  slug: string
  quiz: Quiz | undefined
  workbook: Workbook | undefined
}

/**
 * @example const data = await checkYourselfFor(Astro.locals.starlightRoute.entry) // { slug: 'scaling', quiz, workbook }
 */
export async function checkYourselfFor(entry: { id: string; data: { lesson?: unknown } }): Promise<CheckYourselfData | undefined> {
  if (!entry.data.lesson) return undefined
  const slug = entry.id.replace(/^lessons\//, '')
  // getCollection (not getEntry) so lessons without a quiz/workbook don't log "not found".
  const quiz = (await getCollection('quizzes')).find((q) => q.id === slug)?.data
  const workbook = (await getCollection('workbooks')).find((w) => w.id === slug)?.data
  return quiz || workbook ? { slug, quiz, workbook } : undefined
}
