/**
 * Starlight route middleware: lists the "Check yourself" section (added after the Markdown body
 * by MarkdownContent.astro, so absent from the page's headings) in the "On this page" TOC.
 */
import { defineRouteMiddleware } from '@astrojs/starlight/route-data'
import { CHECK_YOURSELF_HEADING, checkYourselfFor } from './check-yourself-data'

export const onRequest = defineRouteMiddleware(async (context) => {
  const { entry, toc } = context.locals.starlightRoute
  if (!toc || !(await checkYourselfFor(entry))) return
  toc.items.push({ depth: 2, slug: CHECK_YOURSELF_HEADING.id, text: CHECK_YOURSELF_HEADING.text, children: [] })
})
