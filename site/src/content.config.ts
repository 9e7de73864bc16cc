/**
 * Content collections. All lesson content lives in the repo-root `lessons/` folder:
 *   lessons/NN-slug/index.mdx     -> `docs` entry `lessons/<slug>`  (URL /lessons/<slug>/)
 *   lessons/NN-slug/quiz.yaml     -> `quizzes` entry `<slug>`
 *   lessons/NN-slug/workbook.yaml -> `workbooks` entry `<slug>`
 * Schemas come from src/lib/lesson-data/schema.ts (shared with scripts/check-lessons).
 */
import { defineCollection } from 'astro:content'
import { glob } from 'astro/loaders'
import { docsSchema } from '@astrojs/starlight/schema'
import { lessonFrontmatterExtension, lessonSlugFromFolder, quizSchema, workbookSchema } from './lib/lesson-data/schema'

/** Relative to the Astro root (site/). */
const LESSONS_DIR = '../lessons'

/** `02-socketio-foundations/quiz.yaml` -> `socketio-foundations`. */
function slugOf(entry: string): string {
  return lessonSlugFromFolder(entry.split('/')[0] ?? entry)
}

export const collections = {
  docs: defineCollection({
    loader: glob({
      pattern: '*/index.mdx',
      base: LESSONS_DIR,
      generateId: ({ entry }) => `lessons/${slugOf(entry)}`,
    }),
    schema: docsSchema({ extend: lessonFrontmatterExtension }),
  }),
  quizzes: defineCollection({
    loader: glob({ pattern: '*/quiz.yaml', base: LESSONS_DIR, generateId: ({ entry }) => slugOf(entry) }),
    schema: quizSchema,
  }),
  workbooks: defineCollection({
    loader: glob({ pattern: '*/workbook.yaml', base: LESSONS_DIR, generateId: ({ entry }) => slugOf(entry) }),
    schema: workbookSchema,
  }),
}
