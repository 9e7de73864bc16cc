/**
 * Quiz behaviour: grades in the browser, shows verdict + explanation, score, Retry.
 * Markup comes from components/check-yourself/Quiz.astro. Text is set with textContent only.
 */
import { loadProgress, updateProgress } from './progress'

function selected(form: HTMLFormElement): string[] {
  return [...form.querySelectorAll<HTMLInputElement>('input[data-option]')].filter((i) => i.checked).map((i) => i.value)
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x))
}

export function initQuiz(root: HTMLElement): void {
  const slug = root.dataset.lesson ?? ''
  const forms = [...root.querySelectorAll<HTMLFormElement>('form[data-question]')]
  const scoreEl = root.querySelector<HTMLElement>('[data-score]')
  const retry = root.querySelector<HTMLButtonElement>('[data-retry]')
  const total = forms.length

  const showResult = (form: HTMLFormElement, correct: boolean | undefined) => {
    const feedback = form.querySelector<HTMLElement>('[data-feedback]')
    const verdict = form.querySelector<HTMLElement>('[data-verdict]')
    const answer = (form.dataset.answer ?? '').split(' ')
    form.dataset.state = correct === undefined ? '' : correct ? 'correct' : 'incorrect'
    for (const label of form.querySelectorAll<HTMLElement>('[data-option-label]')) {
      const id = label.dataset.optionLabel ?? ''
      label.dataset.correct = correct === undefined ? '' : String(answer.includes(id))
    }
    if (!feedback || !verdict) return
    feedback.hidden = correct === undefined
    if (correct !== undefined) {
      const texts = answer.map((id) => (form.querySelector<HTMLElement>(`[data-option-label="${id}"] [data-option-text]`)?.textContent ?? id).trim())
      verdict.textContent = correct ? '✓ Correct.' : `✗ Not quite. Correct answer${texts.length > 1 ? 's' : ''}: ${texts.join('; ')} (highlighted).`
    }
  }

  const renderScore = () => {
    const p = loadProgress(slug).quiz
    const results = p?.results ?? {}
    const answered = Object.keys(results).length
    const correct = Object.values(results).filter(Boolean).length
    if (scoreEl) {
      scoreEl.textContent =
        answered === 0 ? `${total} question${total === 1 ? '' : 's'}. Pick an answer, then press "Check".` : `Score: ${correct} of ${total} correct (${answered} checked).`
    }
    if (retry) retry.hidden = answered === 0
  }

  // Restore saved answers and results.
  const saved = loadProgress(slug).quiz
  for (const form of forms) {
    const id = form.dataset.question ?? ''
    const answers = saved?.answers[id] ?? []
    for (const input of form.querySelectorAll<HTMLInputElement>('input[data-option]')) input.checked = answers.includes(input.value)
    showResult(form, saved?.results[id])
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
      if (picked.length === 0) {
        if (hint) hint.textContent = 'Choose an answer first.'
        return
      }
      if (hint) hint.textContent = ''
      const correct = sameSet(picked, (form.dataset.answer ?? '').split(' '))
      updateProgress(slug, (p) => {
        p.quiz ??= { total, answers: {}, results: {} }
        p.quiz.answers[id] = picked
        p.quiz.results[id] = correct
      })
      showResult(form, correct)
      renderScore()
    })
  }

  retry?.addEventListener('click', () => {
    updateProgress(slug, (p) => {
      p.quiz = { total, answers: {}, results: {} }
    })
    for (const form of forms) {
      form.reset()
      showResult(form, undefined)
    }
    renderScore()
    forms[0]?.querySelector<HTMLInputElement>('input[data-option]')?.focus()
  })
}
