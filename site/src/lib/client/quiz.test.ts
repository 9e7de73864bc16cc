// @vitest-environment happy-dom
/**
 * quiz.ts on hand-built markup that mirrors components/check-yourself/Quiz.astro
 * (same data-* hooks): one single question and one match question.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadProgress, progressKey, summarize } from './progress'
import { initQuiz } from './quiz'

const SLUG = 'transports'

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  node.append(...children)
  return node
}

function feedback() {
  return el('div', { 'data-feedback': '', hidden: '' }, el('p', { 'data-verdict': '' }), el('p', {}, 'Because.'))
}

function buildQuiz(): HTMLElement {
  const single = el(
    'form',
    { 'data-question': 'pick', 'data-kind': 'single', 'data-answer': 'b' },
    el(
      'fieldset',
      {},
      ...['a', 'b'].map((id) =>
        el(
          'label',
          { 'data-option-label': id },
          el('input', { type: 'radio', name: 'pick', value: id, 'data-option': '' }),
          el('span', { 'data-option-text': '' }, id.toUpperCase()),
          el('span', { 'data-option-mark': '' }),
        ),
      ),
    ),
    el('button', { type: 'submit' }, 'Check'),
    el('span', { 'data-hint': '' }),
    feedback(),
  )
  const choices = [
    ['lp', 'Long polling'],
    ['sse', 'Server-Sent Events'],
    ['ws', 'WebSocket'],
  ]
  const items = [
    ['ticker', 'sse'],
    ['game', 'ws'],
  ]
  const match = el(
    'form',
    { 'data-question': 'match-it', 'data-kind': 'match' },
    el(
      'ul',
      { 'data-match': '' },
      ...items.map(([id, answer]) =>
        el(
          'li',
          { 'data-match-item': id!, 'data-answer': answer! },
          el('label', { for: `s-${id}` }, id!),
          el(
            'select',
            { id: `s-${id}`, 'data-match-select': id! },
            el('option', { value: '' }, 'Choose…'),
            ...choices.map(([value, text]) => el('option', { value: value! }, text!)),
          ),
          el('span', { 'data-match-mark': '' }),
        ),
      ),
    ),
    el('button', { type: 'submit' }, 'Check'),
    el('span', { 'data-hint': '' }),
    feedback(),
  )
  const root = el(
    'section',
    { 'data-quiz': '', 'data-lesson': SLUG },
    el('p', { 'data-score': '' }),
    single,
    match,
    el('button', { type: 'button', 'data-retry': '', hidden: '' }, 'Retry the quiz'),
    el(
      'div',
      { 'data-retry-confirm': '', hidden: '' },
      el('button', { type: 'button', 'data-retry-yes': '' }, 'Yes, clear my answers'),
      el('button', { type: 'button', 'data-retry-keep': '' }, 'Keep my answers'),
    ),
  )
  document.body.replaceChildren(root)
  initQuiz(root)
  return root
}

const form = (root: HTMLElement, id: string) => root.querySelector<HTMLFormElement>(`form[data-question="${id}"]`)!
const select = (root: HTMLElement, item: string) => root.querySelector<HTMLSelectElement>(`select[data-match-select="${item}"]`)!
const itemEl = (root: HTMLElement, item: string) => root.querySelector<HTMLElement>(`[data-match-item="${item}"]`)!
function choose(root: HTMLElement, item: string, value: string) {
  const s = select(root, item)
  s.value = value
  s.dispatchEvent(new Event('change', { bubbles: true }))
}
const check = (f: HTMLFormElement) => f.dispatchEvent(new Event('submit', { cancelable: true }))

describe('quiz client: match questions', () => {
  beforeEach(() => localStorage.clear())
  afterEach(() => document.body.replaceChildren())

  it('asks for every item before grading', () => {
    const root = buildQuiz()
    choose(root, 'ticker', 'sse')
    check(form(root, 'match-it'))
    expect(form(root, 'match-it').querySelector('[data-hint]')?.textContent).toBe('Choose a match for every item first (1 left).')
    expect(form(root, 'match-it').querySelector<HTMLElement>('[data-feedback]')?.hidden).toBe(true)
    expect(loadProgress(SLUG).quiz?.results).toEqual({})
  })

  it('grades every item, marks each one, counts in score and sidebar summary, restores, and retries', () => {
    let root = buildQuiz()
    const f = form(root, 'match-it')
    choose(root, 'ticker', 'sse')
    choose(root, 'game', 'lp')
    check(f)
    expect(f.dataset.state).toBe('incorrect')
    expect(itemEl(root, 'ticker').dataset.correct).toBe('true')
    expect(itemEl(root, 'game').dataset.correct).toBe('false')
    expect(itemEl(root, 'game').querySelector('[data-match-mark]')?.textContent).toBe('✗ Correct match: WebSocket.')
    expect(f.querySelector('[data-verdict]')?.textContent).toBe(
      '✗ Not quite: 1 of 2 items matched. Each wrong item shows its correct match.',
    )
    expect(f.querySelector<HTMLElement>('[data-feedback]')?.hidden).toBe(false)
    expect(root.querySelector('[data-score]')?.textContent).toBe('Question 2: not quite. Score: 0 of 2 correct (1 checked).')

    choose(root, 'game', 'ws')
    check(f)
    expect(f.dataset.state).toBe('correct')
    expect(f.querySelector('[data-verdict]')?.textContent).toBe('✓ Correct.')
    expect(itemEl(root, 'game').querySelector('[data-match-mark]')?.textContent).toBe('✓ Right.')
    const saved = loadProgress(SLUG)
    expect(saved.quiz).toEqual({ total: 2, answers: { 'match-it': ['ticker=sse', 'game=ws'] }, results: { 'match-it': true } })
    expect(summarize(saved)?.text).toBe('1/2')

    // Reload: picks, marks and verdict come back.
    root = buildQuiz()
    expect(select(root, 'ticker').value).toBe('sse')
    expect(select(root, 'game').value).toBe('ws')
    expect(form(root, 'match-it').dataset.state).toBe('correct')
    expect(itemEl(root, 'game').dataset.correct).toBe('true')

    // Retry resets selects, marks, feedback and saved progress, once confirmed.
    root.querySelector<HTMLButtonElement>('[data-retry]')!.click()
    root.querySelector<HTMLButtonElement>('[data-retry-yes]')!.click()
    expect(select(root, 'ticker').value).toBe('')
    expect(itemEl(root, 'ticker').dataset.correct).toBe('')
    expect(itemEl(root, 'ticker').querySelector('[data-match-mark]')?.textContent).toBe('')
    expect(form(root, 'match-it').querySelector<HTMLElement>('[data-feedback]')?.hidden).toBe(true)
    expect(loadProgress(SLUG).quiz?.results).toEqual({})
  })

  it('ignores corrupt saved answers and still grades single questions', () => {
    localStorage.setItem(
      progressKey(SLUG),
      JSON.stringify({ quiz: { total: 2, answers: { 'match-it': 'nope', pick: ['b'] }, results: {} } }),
    )
    const root = buildQuiz()
    expect(select(root, 'ticker').value).toBe('')
    const pick = form(root, 'pick')
    expect(pick.querySelector<HTMLInputElement>('input[value="b"]')?.checked).toBe(true)
    check(pick)
    expect(pick.dataset.state).toBe('correct')
  })
})

describe('quiz client: single questions and Retry', () => {
  beforeEach(() => localStorage.clear())
  afterEach(() => document.body.replaceChildren())

  const option = (root: HTMLElement, id: string) => root.querySelector<HTMLElement>(`[data-option-label="${id}"]`)!
  function pick(root: HTMLElement, id: string) {
    const input = option(root, id).querySelector<HTMLInputElement>('input')!
    input.checked = true
    input.dispatchEvent(new Event('change', { bubbles: true }))
  }

  it("marks the learner's wrong pick as well as the right answer, in text and in data attributes", () => {
    const root = buildQuiz()
    pick(root, 'a')
    check(form(root, 'pick'))
    expect(form(root, 'pick').dataset.state).toBe('incorrect')
    expect(option(root, 'a').dataset.pickedWrong).toBe('true')
    expect(option(root, 'a').dataset.correct).toBe('false')
    expect(option(root, 'a').querySelector('[data-option-mark]')?.textContent).toBe('✗ Your pick: wrong')
    expect(option(root, 'b').dataset.correct).toBe('true')
    expect(option(root, 'b').dataset.pickedWrong).toBe('false')
    expect(option(root, 'b').querySelector('[data-option-mark]')?.textContent).toBe('✓ Right answer (not picked)')
    expect(form(root, 'pick').querySelector('[data-verdict]')?.textContent).toBe(
      '✗ Not quite. Correct answer: B. Each option is marked below.',
    )

    // Marks come back after a reload, from the saved picks.
    const again = buildQuiz()
    expect(option(again, 'a').dataset.pickedWrong).toBe('true')
  })

  it('asks before Retry wipes the answers: Keep (or Escape) keeps them, Yes clears them', () => {
    const root = buildQuiz()
    pick(root, 'b')
    check(form(root, 'pick'))
    const retry = root.querySelector<HTMLButtonElement>('[data-retry]')!
    const confirm = root.querySelector<HTMLElement>('[data-retry-confirm]')!
    expect(retry.hidden).toBe(false)
    expect(confirm.hidden).toBe(true)

    retry.click()
    expect(confirm.hidden).toBe(false)
    expect(retry.getAttribute('aria-expanded')).toBe('true')
    expect(document.activeElement).toBe(root.querySelector('[data-retry-keep]'))
    root.querySelector<HTMLButtonElement>('[data-retry-keep]')!.click()
    expect(confirm.hidden).toBe(true)
    expect(document.activeElement).toBe(retry)
    expect(loadProgress(SLUG).quiz?.results).toEqual({ pick: true })

    retry.click()
    confirm.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(confirm.hidden).toBe(true)
    expect(loadProgress(SLUG).quiz?.results).toEqual({ pick: true })

    retry.click()
    root.querySelector<HTMLButtonElement>('[data-retry-yes]')!.click()
    expect(confirm.hidden).toBe(true)
    expect(loadProgress(SLUG).quiz?.results).toEqual({})
    expect(option(root, 'b').querySelector<HTMLInputElement>('input')!.checked).toBe(false)
    expect(option(root, 'b').querySelector('[data-option-mark]')?.textContent).toBe('')
    expect(retry.hidden).toBe(true)
  })
})
