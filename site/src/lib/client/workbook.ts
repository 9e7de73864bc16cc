/**
 * Workbook behaviour: autosaves the draft, reveals the rubric, counts ticked key points.
 * Markup comes from components/check-yourself/Workbook.astro. Text is set with textContent only.
 */
import { loadProgress, updateProgress, type WorkbookProgress } from './progress'

export function initWorkbook(root: HTMLElement): void {
  const slug = root.dataset.lesson ?? ''
  const textarea = root.querySelector<HTMLTextAreaElement>('textarea[data-draft]')
  const savedNote = root.querySelector<HTMLElement>('[data-saved]')
  const reveal = root.querySelector<HTMLButtonElement>('[data-reveal]')
  const rubric = root.querySelector<HTMLElement>('[data-rubric]')
  const count = root.querySelector<HTMLElement>('[data-count]')
  const boxes = [...root.querySelectorAll<HTMLInputElement>('input[data-point]')]
  const total = boxes.length

  const fresh = (): WorkbookProgress => ({ total, text: '', revealed: false, ticks: [] })
  const saved = loadProgress(slug).workbook ?? fresh()

  const renderCount = () => {
    const ticked = boxes.filter((b) => b.checked).length
    if (count) count.textContent = `${ticked} of ${total} key point${total === 1 ? '' : 's'} covered`
  }
  const showRubric = (shown: boolean) => {
    if (rubric) rubric.hidden = !shown
    if (reveal) {
      reveal.setAttribute('aria-expanded', String(shown))
      reveal.textContent = shown ? 'Hide rubric' : 'Reveal rubric'
    }
  }

  if (textarea) textarea.value = saved.text
  for (const box of boxes) box.checked = saved.ticks.includes(box.value)
  showRubric(saved.revealed)
  renderCount()
  updateProgress(slug, (p) => {
    p.workbook = { ...fresh(), ...p.workbook, total }
  })

  let timer: number | undefined
  textarea?.addEventListener('input', () => {
    if (savedNote) savedNote.textContent = 'Saving…'
    window.clearTimeout(timer)
    timer = window.setTimeout(() => {
      updateProgress(slug, (p) => {
        p.workbook = { ...fresh(), ...p.workbook, total, text: textarea.value }
      })
      if (savedNote) savedNote.textContent = 'Saved in this browser.'
    }, 300)
  })

  reveal?.addEventListener('click', () => {
    const shown = rubric ? rubric.hidden !== false : false
    showRubric(shown)
    updateProgress(slug, (p) => {
      p.workbook = { ...fresh(), ...p.workbook, total, revealed: shown }
    })
    if (shown) boxes[0]?.focus()
  })

  for (const box of boxes) {
    box.addEventListener('change', () => {
      renderCount()
      updateProgress(slug, (p) => {
        p.workbook = { ...fresh(), ...p.workbook, total, ticks: boxes.filter((b) => b.checked).map((b) => b.value) }
      })
    })
  }
}
