import { cutEnd } from './excerpt.js';

/** Longer questions are searched by their start: retrieval gains nothing from more, and embedding time grows. */
export const questionMax = 500;

/** Whitespace runs (pasted line breaks) become one space; the result is capped at `questionMax`. */
export function normalizeQuestion(raw: string): { text: string; shortened: boolean } {
  const text = raw.replace(/\s+/g, ' ').trim();
  const capped = cutEnd(text, questionMax, '');
  return { text: capped, shortened: capped.length < text.length };
}
