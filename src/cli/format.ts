import stringWidth from 'string-width';
import type { SearchResponse, SearchResult } from '../retrieval/types.js';
import { calendarDate } from '../articles/dates.js';

/** The `query --json` line: one object per question, results with their full passage text. */
export function toJsonLine(response: SearchResponse): string {
  return JSON.stringify({
    question: response.question,
    mode: response.mode,
    results: response.results.map((r) => ({
      rank: r.rank,
      score: Number(r.score.toFixed(6)),
      passageId: r.passage.id,
      articleId: r.passage.articleId,
      title: r.passage.title,
      source: r.passage.source ?? null,
      published: r.passage.published ?? null,
      url: r.passage.url ?? null,
      paragraph: r.passage.paragraph,
      text: r.passage.text,
    })),
  });
}

/**
 * Wraps text to a display width, counting East Asian wide characters as two columns so
 * Japanese lines end where English ones do.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let lineWidth = 0;
    for (const { segment } of graphemes(paragraph)) {
      const w = stringWidth(segment);
      if (lineWidth + w > width - indent.length && line !== '') {
        lines.push(indent + line);
        line = '';
        lineWidth = 0;
        if (segment === ' ') continue;
      }
      line += segment;
      lineWidth += w;
    }
    lines.push(indent + line);
  }
  return lines;
}

let segmenter: Intl.Segmenter | undefined;
function graphemes(text: string): Iterable<Intl.SegmentData> {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter.segment(text);
}

const bold = (s: string, color: boolean): string => (color ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (s: string, color: boolean): string => (color ? `\x1b[2m${s}\x1b[22m` : s);

/** A citation line: title, source, date and paragraph, as the bot shows them. */
export function citation(r: SearchResult): string {
  const p = r.passage;
  return [p.source, p.published && calendarDate(p.published), `¶${p.paragraph}`].filter(Boolean).join(' · ');
}

/** Human-readable results for a terminal: rank, score, title, citation, wrapped excerpt. */
export function formatResults(response: SearchResponse, options: { width: number; color: boolean; excerptChars?: number }): string {
  const { width, color } = options;
  if (response.results.length === 0) {
    const why = response.semanticOff ? 'Semantic search is off, so only passages that share words with the question are found: ask in the language of the articles.\n' : '';
    return `Nothing relevant to this question is in the indexed articles.\n${why}`;
  }
  const out: string[] = [];
  for (const r of response.results) {
    const head = `${String(r.rank).padStart(2)}. ${r.score.toFixed(4)}  `;
    out.push(head + bold(r.passage.title, color));
    const pad = ' '.repeat(stringWidth(head));
    out.push(pad + dim(citation(r), color) + (r.passage.url ? dim(`  ${r.passage.url}`, color) : ''));
    if (r.passage.section) out.push(pad + dim(`<${r.passage.section}>`, color));
    const excerpt = excerptAround(r.passage.text, r.answerSentence, options.excerptChars ?? 240);
    for (const line of wrap(excerpt, width, pad)) {
      out.push(color ? line.replace(r.answerSentence, bold(r.answerSentence, color)) : line);
    }
    out.push('');
  }
  return out.join('\n');
}

/** The passage cut to about `max` characters, keeping the answer sentence in view. */
export function excerptAround(text: string, sentence: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const at = Math.max(0, [...text.slice(0, Math.max(0, text.indexOf(sentence)))].length);
  const start = Math.max(0, Math.min(at - 20, chars.length - max));
  return (start > 0 ? '…' : '') + chars.slice(start, start + max).join('') + (start + max < chars.length ? '…' : '');
}
