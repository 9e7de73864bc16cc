/**
 * Quiz behaviour: grades in the browser, shows verdict + explanation, score, Retry.
 * Markup comes from components/check-yourself/Quiz.astro. Text is set with textContent only.
 *
 * Question kinds (form[data-kind]):
 * - `single` / `multiple`: inputs[data-option]; the correct ids are in form[data-answer].
 * - `match`: one select[data-match-select=<item id>] per li[data-match-item=<item id>], whose
 *   data-answer is the correct choice id. Correct only if every item is right. Saved answers
 *   are `itemId=choiceId` pairs (ids are slugs, so `=` cannot occur in them).
 */
import { loadProgress, updateProgress } from './progress'

const isMatch = (form: HTMLFormElement) => form.dataset.kind === 'match'

function matchSelects(form: HTMLFormElement): HTMLSelectElement[] {
  return [...form.querySelectorAll<HTMLSelectElement>('select[data-match-select]')]
}

/** The learner's picks: option ids, or `itemId=choiceId` pairs for a match question (blank items left out). */
function selected(form: HTMLFormElement): string[] {
  if (isMatch(form))
    return matchSelects(form)
      .filter((s) => s.value !== '')
      .map((s) => `${s.dataset.matchSelect ?? ''}=${s.value}`)
  return [...form.querySelectorAll<HTMLInputElement>('input[data-option]')].filter((i) => i.checked).map((i) => i.value)
}

/** Puts saved picks back into the form (unknown ids are ignored). */
function restore(form: HTMLFormElement, picks: unknown): void {
  const list = Array.isArray(picks) ? picks.filter((p): p is string => typeof p === 'string') : []
  if (isMatch(form)) {
    const byItem = new Map(list.map((p) => p.split('=') as [string, string | undefined]))
    for (const select of matchSelects(form)) {
      const value = byItem.get(select.dataset.matchSelect ?? '') ?? ''
      select.value = [...select.options].some((o) => o.value === value) ? value : ''
    }
    return
  }
  for (const input of form.querySelectorAll<HTMLInputElement>('input[data-option]')) input.checked = list.includes(input.value)
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x))
}

/** Match items as { item, select, right } where `right` says whether the current pick is the answer. */
function matchRows(form: HTMLFormElement) {
  return [...form.querySelectorAll<HTMLElement>('[data-match-item]')].map((item) => {
    const select = item.querySelector<HTMLSelectElement>('select[data-match-select]')
    return { item, select, right: !!select && select.value !== '' && select.value === item.dataset.answer }
  })
}

/** What an option's mark says after grading, by [is an answer, was picked]. */
const OPTION_MARK = {
  'true,true': '✓ Your pick: right',
  'true,false': '✓ Right answer (not picked)',
  'false,true': '✗ Your pick: wrong',
  'false,false': '',
} as const

/**
 * Marks each option of a graded single/multiple question: data-correct on the right answers,
 * data-picked-wrong on the learner's wrong picks, and a text mark on both (not colour alone).
 * `answer` undefined clears every mark.
 */
function markOptions(form: HTMLFormElement, answer: string[] | undefined): void {
  for (const label of form.querySelectorAll<HTMLElement>('[data-option-label]')) {
    const id = label.dataset.optionLabel ?? ''
    const isAnswer = !!answer?.includes(id)
    const picked = !!answer && !!label.querySelector<HTMLInputElement>('input[data-option]')?.checked
    label.dataset.correct = answer ? String(isAnswer) : ''
    label.dataset.pickedWrong = String(picked && !isAnswer)
    const mark = label.querySelector<HTMLElement>('[data-option-mark]')
    if (mark) mark.textContent = answer ? OPTION_MARK[`${isAnswer},${picked}`] : ''
  }
}

/** Grades the form as it is now. */
function grade(form: HTMLFormElement): boolean {
  if (isMatch(form)) {
    const rows = matchRows(form)
    return rows.length > 0 && rows.every((r) => r.right)
  }
  return sameSet(selected(form), (form.dataset.answer ?? '').split(' '))
}

/** One quiz on the page: its lesson, its questions and the score / Retry elements they share. */
interface QuizView {
  slug: string
  forms: HTMLFormElement[]
  total: number
  scoreEl: HTMLElement | null
  retry: HTMLButtonElement | null
  confirm: HTMLElement | null
}

/**
 * Marks each item of a match question (✓, or ✗ with the correct choice's text) and writes the
 * verdict with how many items matched. `correct` undefined clears every mark.
 */
function showMatchResult(form: HTMLFormElement, correct: boolean | undefined, verdict: HTMLElement | null): void {
  const rows = matchRows(form)
  for (const { item, select, right } of rows) {
    const mark = item.querySelector<HTMLElement>('[data-match-mark]')
    item.dataset.correct = correct === undefined ? '' : String(right)
    if (!mark) continue
    if (correct === undefined) mark.textContent = ''
    else if (right) mark.textContent = '✓ Right.'
    else {
      const answer = item.dataset.answer ?? ''
      const text = [...(select?.options ?? [])].find((o) => o.value === answer)?.textContent?.trim() ?? answer
      mark.textContent = `✗ Correct match: ${text}.`
    }
  }
  if (verdict && correct !== undefined) {
    const right = rows.filter((r) => r.right).length
    verdict.textContent = correct
      ? '✓ Correct.'
      : `✗ Not quite: ${right} of ${rows.length} items matched. Each wrong item shows its correct match.`
  }
}

/** Shows a question's result (state, marks, verdict, feedback); `correct` undefined shows it unanswered. */
function showResult(form: HTMLFormElement, correct: boolean | undefined): void {
  const feedback = form.querySelector<HTMLElement>('[data-feedback]')
  const verdict = form.querySelector<HTMLElement>('[data-verdict]')
  const answer = (form.dataset.answer ?? '').split(' ')
  form.dataset.state = correct === undefined ? '' : correct ? 'correct' : 'incorrect'
  if (isMatch(form)) {
    showMatchResult(form, correct, verdict)
    if (feedback) feedback.hidden = correct === undefined
    return
  }
  markOptions(form, correct === undefined ? undefined : answer)
  if (!feedback || !verdict) return
  feedback.hidden = correct === undefined
  if (correct !== undefined) {
    const texts = answer.map((id) =>
      (form.querySelector<HTMLElement>(`[data-option-label="${id}"] [data-option-text]`)?.textContent ?? id).trim(),
    )
    verdict.textContent = correct
      ? '✓ Correct.'
      : `✗ Not quite. Correct answer${texts.length > 1 ? 's' : ''}: ${texts.join('; ')}. Each option is marked below.`
  }
}

/**
 * Writes the score line from saved progress; Retry shows only once something was checked. The
 * score line is the quiz's one live region: a grade is announced once, as `graded` ("Question 2:
 * correct.") before the score (the feedback box is not live, nor announced again on page load).
 */
function renderScore(quiz: QuizView, graded = ''): void {
  const { slug, total, scoreEl, retry, confirm } = quiz
  const results = loadProgress(slug).quiz?.results ?? {}
  const answered = Object.keys(results).length
  const correct = Object.values(results).filter(Boolean).length
  if (scoreEl) {
    scoreEl.textContent =
      answered === 0
        ? `${total} question${total === 1 ? '' : 's'}. Pick an answer, then press "Check".`
        : `${graded}Score: ${correct} of ${total} correct (${answered} checked).`
  }
  if (retry) retry.hidden = answered === 0
  if (confirm && answered === 0) confirm.hidden = true
}

/** Saves a question's picks and, once it is checked, its result. */
function saveAnswer(quiz: QuizView, id: string, picks: string[], correct?: boolean): void {
  updateProgress(quiz.slug, (p) => {
    p.quiz ??= { total: quiz.total, answers: {}, results: {} }
    p.quiz.answers[id] = picks
    if (correct !== undefined) p.quiz.results[id] = correct
  })
}

/** Puts saved answers and results back on every question, records the quiz's size, shows the score. */
function restoreSaved(quiz: QuizView): void {
  const { slug, forms, total } = quiz
  const saved = loadProgress(slug).quiz
  for (const form of forms) {
    const id = form.dataset.question ?? ''
    restore(form, saved?.answers?.[id])
    const result = saved?.results?.[id]
    showResult(form, typeof result === 'boolean' ? result : undefined)
  }
  updateProgress(slug, (p) => {
    p.quiz = { total, answers: p.quiz?.answers ?? {}, results: p.quiz?.results ?? {} }
  })
  renderScore(quiz)
}

/**
 * Whether the form can be graded: every match item chosen, or at least one option picked.
 * If not, says what is missing in the hint (and focuses the first blank match item).
 */
function readyToGrade(form: HTMLFormElement, picked: string[], hint: HTMLElement | null): boolean {
  if (isMatch(form)) {
    const blank = matchSelects(form).filter((s) => s.value === '')
    if (blank.length > 0) {
      if (hint) hint.textContent = `Choose a match for every item first (${blank.length} left).`
      blank[0]?.focus()
      return false
    }
  } else if (picked.length === 0) {
    if (hint) hint.textContent = 'Choose an answer first.'
    return false
  }
  return true
}

/** One question: its picks are saved on every change, and "Check" grades and saves it. */
function wireQuestion(quiz: QuizView, form: HTMLFormElement): void {
  const id = form.dataset.question ?? ''
  form.addEventListener('change', () => saveAnswer(quiz, id, selected(form)))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const picked = selected(form)
    const hint = form.querySelector<HTMLElement>('[data-hint]')
    if (!readyToGrade(form, picked, hint)) return
    if (hint) hint.textContent = ''
    const correct = grade(form)
    saveAnswer(quiz, id, picked, correct)
    showResult(form, correct)
    renderScore(quiz, `Question ${quiz.forms.indexOf(form) + 1}: ${correct ? 'correct' : 'not quite'}. `)
  })
}

/** Clears every answer, result and hint, then puts focus on the first question's first input. */
function wipeQuiz(quiz: QuizView): void {
  const { slug, forms, total } = quiz
  updateProgress(slug, (p) => {
    p.quiz = { total, answers: {}, results: {} }
  })
  for (const form of forms) {
    form.reset()
    showResult(form, undefined)
  }
  renderScore(quiz)
  for (const form of forms) form.querySelector<HTMLElement>('[data-hint]')?.replaceChildren()
  forms[0]?.querySelector<HTMLElement>('input[data-option], select[data-match-select]')?.focus()
}

/**
 * Wires one quiz (a `[data-quiz]` section rendered by Quiz.astro): restores saved answers,
 * grades on "Check", keeps the score, and clears everything after a confirmed Retry.
 *
 * @example
 * for (const root of document.querySelectorAll<HTMLElement>('[data-quiz]')) initQuiz(root)
 */
export function initQuiz(root: HTMLElement): void {
  const forms = [...root.querySelectorAll<HTMLFormElement>('form[data-question]')]
  const quiz: QuizView = {
    slug: root.dataset.lesson ?? '',
    forms,
    total: forms.length,
    scoreEl: root.querySelector<HTMLElement>('[data-score]'),
    retry: root.querySelector<HTMLButtonElement>('[data-retry]'),
    confirm: root.querySelector<HTMLElement>('[data-retry-confirm]'),
  }
  restoreSaved(quiz)
  for (const form of forms) wireQuestion(quiz, form)
  wireRetry(root, () => wipeQuiz(quiz))
}

/**
 * "Retry the quiz" asks first, inline: a group with "Yes, clear my answers" and "Keep my answers"
 * (focus goes to the safe choice; Escape keeps). Only "Yes" runs `wipe`.
 */
function wireRetry(root: HTMLElement, wipe: () => void): void {
  const retry = root.querySelector<HTMLButtonElement>('[data-retry]')
  const confirm = root.querySelector<HTMLElement>('[data-retry-confirm]')
  if (!retry || !confirm) return
  const keep = confirm.querySelector<HTMLButtonElement>('[data-retry-keep]')
  const close = (refocus: boolean) => {
    confirm.hidden = true
    retry.setAttribute('aria-expanded', 'false')
    if (refocus) retry.focus()
  }
  retry.addEventListener('click', () => {
    confirm.hidden = false
    retry.setAttribute('aria-expanded', 'true')
    keep?.focus()
  })
  keep?.addEventListener('click', () => close(true))
  confirm.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close(true)
  })
  confirm.querySelector<HTMLButtonElement>('[data-retry-yes]')?.addEventListener('click', () => {
    close(false)
    wipe()
  })
}
