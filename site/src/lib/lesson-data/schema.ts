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
    .string({ required_error: `is required (${what})`, invalid_type_error: `must be a string (${what}); quote it in YAML if it starts with a special character` })
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

/** One quiz question. */
export const questionSchema = z
  .object({
    /** Unique slug within the quiz; also the key for saved progress. */
    id: slug,
    /** `single`: one correct option (radio buttons). `multiple`: one or more (checkboxes). */
    kind: z.enum(['single', 'multiple'], {
      errorMap: () => ({ message: 'must be "single" or "multiple"' }),
    }),
    /** The question, plain text; `backticks` mark inline code. */
    prompt: text('the question text'),
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
    /** Why the answer is right (and why the tempting wrong one is wrong); shown after "Check". */
    explanation: text('why the answer is right'),
  })
  .superRefine((q, ctx) => {
    const optionIds = q.options.map((o) => o.id)
    const seen = new Set<string>()
    q.options.forEach((o, i) => {
      if (seen.has(o.id)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['options', i, 'id'],
          message: `duplicate option id "${o.id}". Fix: give every option of this question a distinct id.`,
        })
      }
      seen.add(o.id)
    })
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
