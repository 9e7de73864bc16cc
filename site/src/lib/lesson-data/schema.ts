/**
 * Lesson data schemas: the single source of truth for
 * - the lesson frontmatter extension (`lesson:` block in `lessons/NN-slug/index.mdx`),
 * - `lessons/NN-slug/quiz.yaml`,
 * - `lessons/NN-slug/workbook.yaml`.
 *
 * Used by the Astro content collections (site/src/content.config.ts) and by the
 * standalone checker (scripts/check-lessons), so both report the same problems.
 * Messages name what is wrong AND how to fix it; the caller prefixes file + field path.
 *
 * Only depends on `zod` (v3 API, the same instance Astro re-exports as `astro/zod`).
 */
import { z } from 'astro/zod'

/** A lowercase slug: letters, digits, dashes (e.g. `broadcast-excludes-sender`). */
const slug = z
  .string({ required_error: 'is required (a lowercase slug such as "broadcast-excludes-sender")' })
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
    message: 'must be a lowercase slug (letters, digits, single dashes). Fix: e.g. "room-join-order".',
  })

/** A non-empty, trimmed piece of plain text. */
const text = (what: string) =>
  z
    .string({
      required_error: `is required (${what})`,
      invalid_type_error: `must be a string (${what}); quote it in YAML if it starts with a special character`,
    })
    .trim()
    .min(1, { message: `must not be empty (${what})` })

// ---------------------------------------------------------------------------
// Frontmatter extension: `lesson:` in index.mdx
// ---------------------------------------------------------------------------

/** The `lesson` block every lesson's `index.mdx` frontmatter carries. */
export const lessonMetaSchema = z
  .object({
    /** Position of the lesson in the course, 1..5. Orders the sidebar, the home cards and prev/next links. */
    number: z
      .number({ required_error: 'is required (the lesson number 1..5)', invalid_type_error: 'must be a number 1..5' })
      .int({ message: 'must be a whole number 1..5' })
      .min(1, { message: 'must be between 1 and 5' })
      .max(5, { message: 'must be between 1 and 5' }),
    /** `ready` lessons are complete; `coming-soon` ones are listed with a "Coming soon" badge. */
    status: z.enum(['ready', 'coming-soon'], {
      errorMap: () => ({ message: 'must be "ready" or "coming-soon"' }),
    }),
    /** What the learner will be able to do after the lesson (may be empty for coming-soon lessons). */
    objectives: z.array(text('one learning objective')).default([]),
    /** Optional estimated time to complete the lesson, in minutes. */
    minutes: z.number().int().positive({ message: 'must be a positive number of minutes' }).optional(),
  })
  .superRefine((lesson, ctx) => {
    if (lesson.status === 'ready' && lesson.objectives.length === 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['objectives'],
        message: 'a "ready" lesson needs at least one objective. Fix: list objectives, or set status to "coming-soon".',
      })
    }
  })

/** Extension merged into Starlight's `docsSchema()` for the docs collection. */
export const lessonFrontmatterExtension = z.object({
  /** Lesson metadata (see `lessonMetaSchema`). Optional so non-lesson pages stay valid. */
  lesson: lessonMetaSchema.optional(),
})

export type LessonMeta = z.infer<typeof lessonMetaSchema>

// ---------------------------------------------------------------------------
// quiz.yaml
// ---------------------------------------------------------------------------

/** One client in a "predict who receives" scenario. */
export const scenarioClientSchema = z.object({
  /** Short client label shown in the table and referenced by `call.by` (e.g. `A`). */
  name: z.string().trim().min(1, { message: 'must not be empty (client label such as "A")' }),
  /** Socket.IO namespace the client is connected to; starts with `/` (e.g. `/chat`). */
  namespace: z
    .string({ required_error: 'is required (e.g. "/" or "/chat")' })
    .regex(/^\//, { message: 'must start with "/" (e.g. "/" or "/chat")' }),
  /** Rooms the client has joined (its own private room is implicit and not listed). */
  rooms: z.array(z.string().trim().min(1, { message: 'room names must not be empty' })).default([]),
  /** Which server instance (1-based) the client is connected to; matters with an adapter. */
  instance: z.number({ invalid_type_error: 'must be a number (1, 2, ...)' }).int().min(1, { message: 'must be 1 or more' }).default(1),
})

/** The call made in a scenario: who runs which line of server code. */
export const scenarioCallSchema = z.object({
  /** Name of the client whose server-side socket makes the call; must be one of `scenario.clients[].name`. */
  by: z.string({ required_error: 'is required (the name of one of scenario.clients)' }).trim().min(1),
  /** The server-side line, shown verbatim in `<code>` (e.g. `socket.to("paris").emit("message", msg)`). */
  line: text('the line of code being run'),
})

/** Optional scenario for "predict who receives" questions. */
export const scenarioSchema = z
  .object({
    /** The clients, rendered as a small table (client, instance, namespace, rooms). */
    clients: z.array(scenarioClientSchema).min(1, { message: 'needs at least one client' }),
    /** The call being made. */
    call: scenarioCallSchema,
  })
  .superRefine((scenario, ctx) => {
    const seen = new Set<string>()
    scenario.clients.forEach((client, i) => {
      if (seen.has(client.name)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['clients', i, 'name'],
          message: `duplicate client name "${client.name}". Fix: give every client a distinct name.`,
        })
      }
      seen.add(client.name)
    })
    if (!seen.has(scenario.call.by)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['call', 'by'],
        message: `"${scenario.call.by}" is not one of the scenario clients (${[...seen].join(', ') || 'none'}). Fix: use one of those names or add the client.`,
      })
    }
  })

/** One answer option. */
export const optionSchema = z.object({
  /** Option id, unique within the question (e.g. `a`); referenced by `answer`. */
  id: slug,
  /** Option text; `backticks` mark inline code. */
  text: text('the option text'),
})

/**
 * A field that must NOT be present on this kind of question. Declared on the object so that
 * zod reports it at the field's own path (`questions[3].options`) with a "Fix: ..." message,
 * instead of silently stripping it.
 */
const notAllowed = (message: string) => z.undefined({ errorMap: () => ({ message }) }).optional()

/** Fields every kind of question shares. */
const questionBase = {
  /** Unique slug within the quiz; also the key for saved progress. */
  id: slug,
  /** The question, plain text; `backticks` mark inline code. */
  prompt: text('the question text'),
  /** Why the answer is right (and why the tempting wrong one is wrong); shown after "Check". */
  explanation: text('why the answer is right'),
}

/** Fields of `single` and `multiple` questions (options + answer ids). */
const optionQuestionFields = {
  ...questionBase,
  /** Optional "predict who receives" scenario. */
  scenario: scenarioSchema.optional(),
  /** The options, at least two. */
  options: z.array(optionSchema, { required_error: 'is required (a list of { id, text })' }).min(2, {
    message: 'needs at least two options',
  }),
  /** Ids of the correct options: exactly one for `single`, one or more for `multiple`. */
  answer: z.array(z.string(), {
    required_error: 'is required: list the correct option id(s), e.g. answer: [a]',
    invalid_type_error: 'must be a list of option ids, e.g. answer: [a]',
  }),
  /** Not used by `single`/`multiple` (only `match` has choices). */
  choices: notAllowed('is only used by "match" questions. Fix: list the options under options (with answer: [ids]), or set kind: match.'),
  /** Not used by `single`/`multiple` (only `match` has items). */
  items: notAllowed('is only used by "match" questions. Fix: remove items, or set kind: match (and replace options/answer with choices).'),
}

/** A `single` question: one correct option (radio buttons). */
export const singleQuestionSchema = z.object({
  /** `single`: exactly one correct option, shown as radio buttons. */
  kind: z.literal('single'),
  ...optionQuestionFields,
})

/** A `multiple` question: one or more correct options (checkboxes). */
export const multipleQuestionSchema = z.object({
  /** `multiple`: one or more correct options, shown as checkboxes. */
  kind: z.literal('multiple'),
  ...optionQuestionFields,
})

/** One item of a `match` question: a statement the learner pairs with one of the choices. */
export const matchItemSchema = z.object({
  /** Item id, unique within the question (e.g. `ticker`); also the key for the saved answer. */
  id: slug,
  /** The item text, shown as the label of its drop-down; `backticks` mark inline code. */
  text: text('the item text'),
  /** Id of the choice that fits this item; must be one of the question's `choices[].id`. */
  answer: z.string({
    required_error: 'is required: the id of the choice that fits this item, e.g. answer: sse',
    invalid_type_error: 'must be a single choice id (not a list), e.g. answer: sse',
  }),
})

/** A `match` question: every item picks one of the shared choices (a native select per item). */
export const matchQuestionSchema = z.object({
  /** `match`: pair each item with one of the choices; correct only if every item is right. */
  kind: z.literal('match'),
  ...questionBase,
  /** The options every item picks from, 2 to 6; ids unique. A choice may fit several items, or none. */
  choices: z
    .array(optionSchema, { required_error: 'is required (a list of { id, text } that every item picks from)' })
    .min(2, { message: 'needs at least two choices. Fix: add choices, or use a "single" question.' })
    .max(6, { message: 'has more than 6 choices, too many for a drop-down. Fix: keep at most 6, or split the question.' }),
  /** The items to match, 2 to 8; ids unique; each carries its own `answer` (a choice id). */
  items: z
    .array(matchItemSchema, { required_error: 'is required (a list of { id, text, answer })' })
    .min(2, { message: 'needs at least two items. Fix: add items, or use a "single" question.' })
    .max(8, { message: 'has more than 8 items. Fix: keep at most 8, or split the question in two.' }),
  /** Not used by `match`: the choices replace the options. */
  options: notAllowed('is not used by "match" questions. Fix: rename options to choices (the list every item picks from).'),
  /** Not used by `match`: each item carries its own answer. */
  answer: notAllowed('is not used by "match" questions. Fix: remove it and give every entry of items its own answer: <choice id>.'),
  /** Not used by `match`: scenarios belong to "predict who receives" questions. */
  scenario: notAllowed('is not used by "match" questions. Fix: remove it, or use kind: single / multiple for a scenario question.'),
})

/** Adds a "duplicate id" issue for every repeated `id` in `list` (at `[field, i, 'id']`). */
function checkUniqueIds(list: ReadonlyArray<{ id: string }>, field: string, what: string, ctx: z.RefinementCtx): Set<string> {
  const seen = new Set<string>()
  list.forEach((entry, i) => {
    if (seen.has(entry.id)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [field, i, 'id'],
        message: `duplicate ${what} id "${entry.id}". Fix: give every ${what} of this question a distinct id.`,
      })
    }
    seen.add(entry.id)
  })
  return seen
}

/**
 * One quiz question, a union on `kind`:
 * - `single`: one correct option (radio buttons),
 * - `multiple`: one or more correct options (checkboxes),
 * - `match`: each item is paired with one of the shared choices (a select per item).
 */
export const questionSchema = z
  .discriminatedUnion('kind', [singleQuestionSchema, multipleQuestionSchema, matchQuestionSchema], {
    errorMap: (issue, ctx) => {
      if (issue.code !== z.ZodIssueCode.invalid_union_discriminator) return { message: ctx.defaultError }
      // ctx.data is the whole question; the issue's path already points at `kind`.
      const kind: unknown = (ctx.data as { kind?: unknown } | null)?.kind
      return {
        message:
          kind === undefined
            ? 'is required: "single", "multiple" or "match". Fix: add e.g. kind: single.'
            : `must be "single", "multiple" or "match" (got ${JSON.stringify(kind)}). Fix: use one of those.`,
      }
    },
  })
  .superRefine((q, ctx) => {
    if (q.kind === 'match') {
      const choiceIds = checkUniqueIds(q.choices, 'choices', 'choice', ctx)
      checkUniqueIds(q.items, 'items', 'item', ctx)
      q.items.forEach((item, i) => {
        if (!choiceIds.has(item.answer)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['items', i, 'answer'],
            message: `"${item.answer}" is not a choice id (choices: ${[...choiceIds].join(', ')}). Fix: use one of the choice ids.`,
          })
        }
      })
      return
    }
    const seen = checkUniqueIds(q.options, 'options', 'option', ctx)
    const optionIds = q.options.map((o) => o.id)
    q.answer.forEach((id, i) => {
      if (!seen.has(id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['answer', i],
          message: `"${id}" is not an option id (options: ${optionIds.join(', ')}). Fix: use one of the option ids.`,
        })
      }
    })
    if (new Set(q.answer).size !== q.answer.length) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['answer'],
        message: 'lists the same option id twice. Fix: list each correct id once.',
      })
    }
    if (q.kind === 'single' && q.answer.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['answer'],
        message:
          q.answer.length === 0
            ? '"single" questions need exactly one answer id; got none. Fix: put the correct option id in answer, e.g. answer: [a].'
            : `"single" questions need exactly one answer id; got ${q.answer.length} (${q.answer.join(', ')}). Fix: keep one id in answer or change kind to "multiple".`,
      })
    }
    if (q.kind === 'multiple' && q.answer.length === 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['answer'],
        message: '"multiple" questions need at least one answer id. Fix: list the correct option ids, e.g. answer: [a, c].',
      })
    }
  })

/** A lesson's `quiz.yaml`. */
export const quizSchema = z
  .object({
    /** The questions, in display order. */
    questions: z.array(questionSchema, { required_error: 'is required (a list of questions)' }).min(1, {
      message: 'needs at least one question',
    }),
  })
  .strict()
  .superRefine((quiz, ctx) => {
    const seen = new Set<string>()
    quiz.questions.forEach((q, i) => {
      if (seen.has(q.id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['questions', i, 'id'],
          message: `duplicate question id "${q.id}". Fix: question ids must be unique within the quiz.`,
        })
      }
      seen.add(q.id)
    })
  })

export type Quiz = z.infer<typeof quizSchema>
export type Question = z.infer<typeof questionSchema>
export type OptionQuestion = Extract<Question, { kind: 'single' | 'multiple' }>
export type MatchQuestion = Extract<Question, { kind: 'match' }>
export type MatchItem = z.infer<typeof matchItemSchema>
export type Scenario = z.infer<typeof scenarioSchema>

// ---------------------------------------------------------------------------
// workbook.yaml
// ---------------------------------------------------------------------------

/** One key point of the workbook rubric. */
export const rubricPointSchema = z.object({
  /** Unique slug within the rubric; also the key for the learner's saved ticks. */
  id: slug,
  /** The key point, one line (e.g. "Names the principle ..."). */
  point: text('the key point'),
  /** Optional longer explanation shown under the point. */
  detail: z.string().trim().min(1).optional(),
})

/** A lesson's `workbook.yaml`: one exam-style written question with a self-marking rubric. */
export const workbookSchema = z
  .object({
    /** The exam question, verbatim. */
    prompt: text('the exam question'),
    /** Optional guidance: how long, what to cover. */
    guidance: z.string().trim().min(1).optional(),
    /** Key points the learner ticks after revealing the rubric. */
    rubric: z.array(rubricPointSchema, { required_error: 'is required (a list of { id, point })' }).min(1, {
      message: 'needs at least one key point',
    }),
  })
  .strict()
  .superRefine((wb, ctx) => {
    const seen = new Set<string>()
    wb.rubric.forEach((p, i) => {
      if (seen.has(p.id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['rubric', i, 'id'],
          message: `duplicate rubric id "${p.id}". Fix: rubric ids must be unique.`,
        })
      }
      seen.add(p.id)
    })
  })

export type Workbook = z.infer<typeof workbookSchema>
export type RubricPoint = z.infer<typeof rubricPointSchema>

// ---------------------------------------------------------------------------
// Helpers shared by the checker and the site
// ---------------------------------------------------------------------------

/** Formats a zod path as `questions[2].answer`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else out += out ? `.${part}` : part
  }
  return out || '(root)'
}

/** `02-socketio-foundations` -> `socketio-foundations`. */
export function lessonSlugFromFolder(folder: string): string {
  return folder.replace(/^\d+-/, '')
}

/** Folder names must look like `NN-slug`. */
export const lessonFolderPattern = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/
