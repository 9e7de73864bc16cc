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

export function initQuiz(root: HTMLElement): void {
  const slug = root.dataset.lesson ?? ''
  const forms = [...root.querySelectorAll<HTMLFormElement>('form[data-question]')]
  const scoreEl = root.querySelector<HTMLElement>('[data-score]')
  const retry = root.querySelector<HTMLButtonElement>('[data-retry]')
  const confirm = root.querySelector<HTMLElement>('[data-retry-confirm]')
  const total = forms.length

  const showMatchResult = (form: HTMLFormElement, correct: boolean | undefined, verdict: HTMLElement | null) => {
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

  const showResult = (form: HTMLFormElement, correct: boolean | undefined) => {
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

  const renderScore = () => {
    const p = loadProgress(slug).quiz
    const results = p?.results ?? {}
    const answered = Object.keys(results).length
    const correct = Object.values(results).filter(Boolean).length
    if (scoreEl) {
      scoreEl.textContent =
        answered === 0
          ? `${total} question${total === 1 ? '' : 's'}. Pick an answer, then press "Check".`
          : `Score: ${correct} of ${total} correct (${answered} checked).`
    }
    if (retry) retry.hidden = answered === 0
    if (confirm && answered === 0) confirm.hidden = true
  }

  // Restore saved answers and results.
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
  renderScore()

  for (const form of forms) {
    const id = form.dataset.question ?? ''
    form.addEventListener('change', () => {
      updateProgress(slug, (p) => {
        p.quiz ??= { total, answers: {}, results: {} }
        p.quiz.answers[id] = selected(form)
      })
    })
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const picked = selected(form)
      const hint = form.querySelector<HTMLElement>('[data-hint]')
      if (isMatch(form)) {
        const blank = matchSelects(form).filter((s) => s.value === '')
        if (blank.length > 0) {
          if (hint) hint.textContent = `Choose a match for every item first (${blank.length} left).`
          blank[0]?.focus()
          return
        }
      } else if (picked.length === 0) {
        if (hint) hint.textContent = 'Choose an answer first.'
        return
      }
      if (hint) hint.textContent = ''
      const correct = grade(form)
      updateProgress(slug, (p) => {
        p.quiz ??= { total, answers: {}, results: {} }
        p.quiz.answers[id] = picked
        p.quiz.results[id] = correct
      })
      showResult(form, correct)
      renderScore()
    })
  }

  wireRetry(root, () => {
    updateProgress(slug, (p) => {
      p.quiz = { total, answers: {}, results: {} }
    })
    for (const form of forms) {
      form.reset()
      showResult(form, undefined)
    }
    renderScore()
    for (const form of forms) form.querySelector<HTMLElement>('[data-hint]')?.replaceChildren()
    forms[0]?.querySelector<HTMLElement>('input[data-option], select[data-match-select]')?.focus()
  })
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
