/**
 * Learner progress, kept in localStorage under one versioned key per lesson:
 *   rtwb:progress:v1:<lesson-slug>
 * Browser-only module (used by the quiz, workbook and sidebar scripts). Never throws:
 * storage may be unavailable (private mode, quota) and the page must keep working.
 */

export const PROGRESS_EVENT = 'rtwb:progress'
const PREFIX = 'rtwb:progress:v1:'

export interface QuizProgress {
  /** Number of questions in the quiz (so the sidebar can show k/n without the quiz data). */
  total: number
  /** Selected option ids per question id; for `match` questions, `itemId=choiceId` pairs (blank items left out). */
  answers: Record<string, string[]>
  /** Result of the last "Check" per question id. */
  results: Record<string, boolean>
}

export interface WorkbookProgress {
  /** Number of rubric points. */
  total: number
  /** The learner's draft answer. */
  text: string
  /** Whether the rubric has been revealed. */
  revealed: boolean
  /** Rubric point ids the learner ticked. */
  ticks: string[]
}

export interface LessonProgress {
  quiz?: QuizProgress
  workbook?: WorkbookProgress
}

export function progressKey(slug: string): string {
  return PREFIX + slug
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function loadProgress(slug: string): LessonProgress {
  try {
    const raw = localStorage.getItem(progressKey(slug))
    if (!raw) return {}
    const parsed: unknown = JSON.parse(raw)
    return isRecord(parsed) ? (parsed as LessonProgress) : {}
  } catch {
    return {}
  }
}

/** Applies `update` to the stored progress, saves it and notifies listeners on this page. */
export function updateProgress(slug: string, update: (p: LessonProgress) => void): LessonProgress {
  const progress = loadProgress(slug)
  update(progress)
  try {
    localStorage.setItem(progressKey(slug), JSON.stringify(progress))
  } catch {
    /* storage unavailable: progress lives for this page view only */
  }
  window.dispatchEvent(new CustomEvent(PROGRESS_EVENT, { detail: { slug } }))
  return progress
}

/** Short summary for the sidebar, or undefined when nothing was done yet. */
export function summarize(p: LessonProgress): { text: string; label: string; complete: boolean } | undefined {
  const parts: string[] = []
  const labels: string[] = []
  let complete = true
  let any = false
  if (p.quiz && p.quiz.total > 0 && Object.keys(p.quiz.results).length > 0) {
    const correct = Object.values(p.quiz.results).filter(Boolean).length
    parts.push(`${correct}/${p.quiz.total}`)
    labels.push(`quiz ${correct} of ${p.quiz.total} correct`)
    complete &&= correct === p.quiz.total
    any = true
  } else if (p.quiz && p.quiz.total > 0) complete = false
  if (p.workbook && p.workbook.total > 0 && (p.workbook.ticks.length > 0 || p.workbook.text.trim() !== '')) {
    parts.push(`✎ ${p.workbook.ticks.length}/${p.workbook.total}`)
    labels.push(`workbook ${p.workbook.ticks.length} of ${p.workbook.total} key points`)
    complete &&= p.workbook.ticks.length === p.workbook.total
    any = true
  } else if (p.workbook && p.workbook.total > 0) complete = false
  if (!any) return undefined
  return { text: (complete ? '✓ ' : '') + parts.join(' · '), label: `Progress: ${labels.join(', ')}`, complete }
}
