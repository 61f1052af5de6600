import fs from 'node:fs';
import { z } from 'zod';
import { KijiError, ErrorCodes } from '../errors.js';

/** One eval question: `gold` holds the text(s) of the answering paragraph, empty when unanswerable. */
const questionSchema = z.object({
  id: z.string(),
  lang: z.string().optional(),
  question: z.string().min(1),
  gold: z.array(z.string()),
  /** Answer spans (JSQuAD), used to score the chosen answer sentence. */
  answers: z.array(z.string()).optional(),
});

export type EvalQuestion = z.infer<typeof questionSchema>;

export function readQuestions(file: string): EvalQuestion[] {
  return readJsonl(file, questionSchema, 'Pass a JSONL file of {"id","question","gold":[...]} lines with --questions.');
}

/** The lines of a JSONL eval file, each checked against `schema`; errors name the file and line. */
export function readJsonl<T>(file: string, schema: z.ZodType<T>, hint: string): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `Cannot read ${file}.`, { hint, cause });
  }
  return text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, n }) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new KijiError(ErrorCodes.BAD_ARGUMENT, `${file} line ${n} is not valid JSON.`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new KijiError(ErrorCodes.BAD_ARGUMENT, `${file} line ${n}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}.`);
      }
      return parsed.data;
    });
}
