import path from 'node:path';
import { jsquadDir } from '../lib/eval-data.js';
import fs from 'node:fs';

const questionsFile = path.join(jsquadDir, 'questions.jsonl');

/** Real questions (JSQuAD), spread over the file so they touch every article. */
export function benchQuestions(count: number): string[] {
  const all = fs
    .readFileSync(questionsFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { question: string }).question);
  const step = Math.max(1, Math.floor(all.length / count));
  return Array.from({ length: Math.min(count, all.length) }, (_, i) => all[(i * step) % all.length]!);
}
