import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkLessons, formatProblem } from '../../../../scripts/check-lessons/index.ts'
import { formatPath, lessonMetaSchema, quizSchema, workbookSchema } from './schema'

const validQuestion = () => ({
  id: 'broadcast-excludes-sender',
  kind: 'single',
  prompt: 'Which call reaches everyone in `paris` except the sender?',
  scenario: {
    clients: [
      { name: 'A', namespace: '/chat', rooms: ['paris'], instance: 1 },
      { name: 'B', namespace: '/chat', rooms: [], instance: 2 },
    ],
    call: { by: 'A', line: 'socket.to("paris").emit("message", msg)' },
  },
  options: [
    { id: 'a', text: '`socket.to("paris").emit(...)`' },
    { id: 'b', text: '`io.to("paris").emit(...)`' },
  ],
  answer: ['a'],
  explanation: 'socket.to excludes the sender; io.to does not.',
})

/** Issues of a failed parse as `path: message` strings. */
function issues(result: ReturnType<typeof quizSchema.safeParse>): string[] {
  return result.success ? [] : result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)
}

describe('quizSchema', () => {
  it('accepts a valid quiz', () => {
    const result = quizSchema.safeParse({
      questions: [validQuestion(), { ...validQuestion(), id: 'two', kind: 'multiple', answer: ['a', 'b'] }],
    })
    expect(issues(result)).toEqual([])
  })

  it('rejects a missing answer, naming the field', () => {
    const { answer: _drop, ...q } = validQuestion()
    const out = issues(quizSchema.safeParse({ questions: [q] }))
    expect(out.some((m) => m.startsWith('questions[0].answer: is required'))).toBe(true)
  })

  it('rejects an unknown answer id', () => {
    const out = issues(quizSchema.safeParse({ questions: [{ ...validQuestion(), answer: ['z'] }] }))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.answer\[0\]: "z" is not an option id \(options: a, b\)/))
  })

  it('rejects two answers on a single question, with the fix', () => {
    const out = issues(quizSchema.safeParse({ questions: [{ ...validQuestion(), answer: ['a', 'b'] }] }))
    expect(out).toContain(
      'questions[0].answer: "single" questions need exactly one answer id; got 2 (a, b). Fix: keep one id in answer or change kind to "multiple".',
    )
  })

  it('rejects duplicate question ids and duplicate option ids', () => {
    const q = validQuestion()
    const out = issues(
      quizSchema.safeParse({
        questions: [
          q,
          {
            ...q,
            options: [
              { id: 'a', text: 'x' },
              { id: 'a', text: 'y' },
            ],
          },
        ],
      }),
    )
    expect(out).toContainEqual(expect.stringMatching(/^questions\[1\]\.id: duplicate question id "broadcast-excludes-sender"/))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[1\]\.options\[1\]\.id: duplicate option id "a"/))
  })

  it('rejects a scenario whose call.by is not a client, and a bad namespace', () => {
    const q = validQuestion()
    const out = issues(
      quizSchema.safeParse({
        questions: [
          {
            ...q,
            scenario: {
              clients: [{ name: 'A', namespace: 'chat', rooms: [], instance: 1 }],
              call: { by: 'C', line: 'io.emit("x")' },
            },
          },
        ],
      }),
    )
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.scenario\.call\.by: "C" is not one of the scenario clients \(A\)/))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.scenario\.clients\[0\]\.namespace: must start with "\/"/))
  })

  it('rejects unknown top-level keys (typos)', () => {
    expect(quizSchema.safeParse({ questions: [validQuestion()], question: [] }).success).toBe(false)
  })
})

const validMatch = () => ({
  id: 'transport-for-use-case',
  kind: 'match',
  prompt: 'Match each need with the transport that fits it best.',
  choices: [
    { id: 'lp', text: 'Long polling' },
    { id: 'sse', text: 'Server-Sent Events' },
    { id: 'ws', text: 'WebSocket' },
  ],
  items: [
    { id: 'ticker', text: 'A live stock ticker on a read-only dashboard', answer: 'sse' },
    { id: 'game', text: 'A multiplayer game', answer: 'ws' },
  ],
  explanation: 'One-way: SSE. Two-way and frequent: WebSocket.',
})

describe('quizSchema: match questions', () => {
  it('accepts a valid match question next to single/multiple ones, and keeps its shape', () => {
    const result = quizSchema.safeParse({ questions: [validQuestion(), validMatch()] })
    expect(issues(result)).toEqual([])
    const q = result.success ? result.data.questions[1] : undefined
    expect(q?.kind).toBe('match')
    if (q?.kind === 'match') {
      expect(q.items.map((i) => `${i.id}=${i.answer}`)).toEqual(['ticker=sse', 'game=ws'])
      expect(q.choices).toHaveLength(3)
    }
  })

  it('rejects an item answer that is not a choice id, naming items[i].answer', () => {
    const q = validMatch()
    q.items[1] = { ...q.items[1]!, answer: 'webtransport' }
    const out = issues(quizSchema.safeParse({ questions: [validQuestion(), q] }))
    expect(out).toEqual([
      'questions[1].items[1].answer: "webtransport" is not a choice id (choices: lp, sse, ws). Fix: use one of the choice ids.',
    ])
  })

  it('rejects duplicate item ids and duplicate choice ids', () => {
    const q = validMatch()
    q.items[1] = { ...q.items[1]!, id: 'ticker' }
    q.choices[2] = { ...q.choices[2]!, id: 'sse' }
    const out = issues(quizSchema.safeParse({ questions: [q] }))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.items\[1\]\.id: duplicate item id "ticker"\. Fix: /))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.choices\[2\]\.id: duplicate choice id "sse"\. Fix: /))
  })

  it('rejects options, answer and scenario on a match question, with the fix', () => {
    const { scenario, options, answer } = validQuestion()
    const out = issues(quizSchema.safeParse({ questions: [{ ...validMatch(), options, answer, scenario }] }))
    expect(out).toContainEqual(
      expect.stringMatching(/^questions\[0\]\.options: is not used by "match" questions\. Fix: rename options to choices/),
    )
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.answer: is not used by "match" questions\. Fix: /))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.scenario: is not used by "match" questions\. Fix: /))
  })

  it('rejects choices/items on single and multiple questions', () => {
    const { choices, items } = validMatch()
    const out = issues(
      quizSchema.safeParse({
        questions: [
          { ...validQuestion(), choices },
          { ...validQuestion(), id: 'two', kind: 'multiple', items },
        ],
      }),
    )
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.choices: is only used by "match" questions\. Fix: /))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[1\]\.items: is only used by "match" questions\. Fix: /))
  })

  it('rejects too few/many entries, a list as item answer, and an unknown kind', () => {
    const q = validMatch()
    const tooMany = Array.from({ length: 9 }, (_, i) => ({ id: `i${i}`, text: `Item ${i}`, answer: 'lp' }))
    const out = issues(
      quizSchema.safeParse({
        questions: [
          { ...q, choices: q.choices.slice(0, 1) },
          { ...q, id: 'b', items: tooMany },
          { ...q, id: 'c', items: [q.items[0], { ...q.items[1], answer: ['ws'] }] },
          { ...q, id: 'd', kind: 'matching' },
        ],
      }),
    )
    expect(out).toContainEqual(expect.stringMatching(/^questions\[0\]\.choices: needs at least two choices/))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[1\]\.items: has more than 8 items/))
    expect(out).toContainEqual(expect.stringMatching(/^questions\[2\]\.items\[1\]\.answer: must be a single choice id \(not a list\)/))
    expect(out).toContain('questions[3].kind: must be "single", "multiple" or "match" (got "matching"). Fix: use one of those.')
  })
})

describe('workbookSchema and lessonMetaSchema', () => {
  it('accepts a valid workbook and rejects duplicate rubric ids', () => {
    const wb = { prompt: 'Explain rooms.', rubric: [{ id: 'principle', point: 'Names the principle' }] }
    expect(workbookSchema.safeParse(wb).success).toBe(true)
    const bad = workbookSchema.safeParse({ ...wb, rubric: [...wb.rubric, ...wb.rubric] })
    expect(bad.success).toBe(false)
    expect(bad.success ? [] : bad.error.issues.map((i) => formatPath(i.path))).toContain('rubric[1].id')
  })

  it('checks lesson number range and status', () => {
    expect(lessonMetaSchema.safeParse({ number: 2, status: 'ready', objectives: ['x'] }).success).toBe(true)
    expect(lessonMetaSchema.safeParse({ number: 3, status: 'coming-soon', objectives: [] }).success).toBe(true)
    expect(lessonMetaSchema.safeParse({ number: 6, status: 'ready', objectives: ['x'] }).success).toBe(false)
    expect(lessonMetaSchema.safeParse({ number: 1, status: 'draft', objectives: [] }).success).toBe(false)
  })
})

describe('checkLessons', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'rtwb-lessons-'))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const lessons = path.join(root, 'lessons')
  const write = (rel: string, body: string) => {
    const file = path.join(lessons, rel)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, body)
  }

  it('passes valid lessons and names the file + field of each problem', () => {
    write('01-good/index.mdx', '---\ntitle: Good\nlesson:\n  number: 1\n  status: ready\n  objectives: [Do a thing]\n---\nBody\n')
    write(
      '01-good/quiz.yaml',
      'questions:\n  - id: q1\n    kind: single\n    prompt: "P?"\n    options:\n      - { id: a, text: "A" }\n      - { id: b, text: "B" }\n    answer: [a]\n    explanation: "E"\n',
    )
    expect(checkLessons(lessons)).toEqual([])

    write('02-bad/index.mdx', '---\ntitle: Bad\nlesson:\n  number: 2\n  status: coming-soon\n  objectives: []\n---\n')
    write(
      '02-bad/quiz.yaml',
      'questions:\n  - id: q1\n    kind: single\n    prompt: "P?"\n    options:\n      - { id: a, text: "A" }\n      - { id: b, text: "B" }\n      - { id: c, text: "C" }\n    answer: [a, c]\n    explanation: "E"\n',
    )
    write('02-bad/workbook.yaml', 'prompt: "Q"\nrubric: [ { id: x } ]\n')
    const problems = checkLessons(lessons).map(formatProblem)
    expect(problems).toContain(
      'lessons/02-bad/quiz.yaml: questions[0].answer: "single" questions need exactly one answer id; got 2 (a, c). Fix: keep one id in answer or change kind to "multiple".',
    )
    expect(problems).toContainEqual(expect.stringMatching(/^lessons\/02-bad\/workbook\.yaml: rubric\[0\]\.point: is required/))
  })

  it('passes a match question through and names items[i].answer with the file', () => {
    write('04-match/index.mdx', '---\ntitle: Match\nlesson:\n  number: 4\n  status: ready\n  objectives: [Match]\n---\n')
    const quiz = (answer: string) =>
      'questions:\n  - id: m\n    kind: match\n    prompt: "Match."\n    choices:\n      - { id: lp, text: "Long polling" }\n      - { id: ws, text: "WebSocket" }\n' +
      `    items:\n      - { id: a, text: "A", answer: lp }\n      - { id: b, text: "B", answer: ${answer} }\n    explanation: "E"\n`
    write('04-match/quiz.yaml', quiz('ws'))
    expect(
      checkLessons(lessons)
        .map(formatProblem)
        .filter((p) => p.startsWith('lessons/04-match/')),
    ).toEqual([])
    write('04-match/quiz.yaml', quiz('sse'))
    expect(checkLessons(lessons).map(formatProblem)).toContain(
      'lessons/04-match/quiz.yaml: questions[0].items[1].answer: "sse" is not a choice id (choices: lp, ws). Fix: use one of the choice ids.',
    )
  })

  it('reports invalid YAML and bad frontmatter with the file path', () => {
    write('03-broken/index.mdx', '---\ntitle: Broken\nlesson:\n  number: 9\n  status: ready\n  objectives: [x]\n---\n')
    write('03-broken/quiz.yaml', 'questions: [\n')
    const problems = checkLessons(lessons).map(formatProblem)
    expect(problems).toContainEqual(expect.stringMatching(/^lessons\/03-broken\/quiz\.yaml: \(file\): is not valid YAML/))
    expect(problems).toContainEqual(expect.stringMatching(/^lessons\/03-broken\/index\.mdx: lesson\.number: must be between 1 and 5/))
  })
})
