/**
 * The small controls of an experiment's row: a number field (clamped to its range, so a typed
 * "9999" runs with the maximum rather than failing) and a choice. Each returns its element and a
 * reader; labels are real `<label>`s, so every control has an accessible name.
 */
import { h, uid } from '../../sandbox/dom.ts'

export interface NumberControl {
  el: HTMLElement
  value(): number
}

export interface NumberOptions {
  label: string
  min: number
  max: number
  value: number
  step?: number
  /** Shown after the field (`s`, `ms`, `%`). */
  unit?: string
  testid: string
}

/**
 * A number field whose value is clamped to `[min, max]` (and the default when not a number).
 *
 * @example
 * const cut = numberControl({ label: 'Cut for', min: 1, max: 30, value: 3, unit: 's', testid: 'rl-cut-seconds' })
 * cut.value() // => 3
 */
export function numberControl(o: NumberOptions): NumberControl {
  const id = uid('rl-in')
  const input = h('input', {
    id,
    type: 'number',
    inputmode: 'decimal',
    min: o.min,
    max: o.max,
    step: o.step ?? 1,
    value: String(o.value),
    'data-testid': o.testid,
  })
  const el = h('span', { class: 'rl-field' }, h('label', { for: id, text: o.label }), input, o.unit ? h('span', { text: o.unit }) : null)
  return {
    el,
    value() {
      const n = Number(input.value)
      return Number.isFinite(n) && input.value.trim() !== '' ? Math.min(o.max, Math.max(o.min, n)) : o.value
    },
  }
}

export interface ChoiceControl<T extends string> {
  el: HTMLElement
  value(): T
}

/**
 * A `<select>` of fixed options.
 *
 * @example
 * const size = choiceControl('Payload', [['small', 'small'], ['large', 'large']], 'small', 'rl-wire-size')
 */
export function choiceControl<T extends string>(label: string, options: [T, string][], value: T, testid: string): ChoiceControl<T> {
  const id = uid('rl-in')
  const select = h('select', { id, 'data-testid': testid }, ...options.map(([v, text]) => h('option', { value: v, text })))
  select.value = value
  return {
    el: h('span', { class: 'rl-field' }, h('label', { for: id, text: label }), select),
    value: () => options.find(([v]) => v === select.value)?.[0] ?? value,
  }
}
