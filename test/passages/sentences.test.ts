import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../src/passages/sentences.js';

describe('splitSentences', () => {
  it.each([
    ['Japanese full stops', '米国は6日、発表した。支持を表明した。', ['米国は6日、発表した。', '支持を表明した。']],
    ['! and ? in both widths', '本当か？そうだ！Yes! No?', ['本当か？', 'そうだ！', 'Yes! ', 'No?']],
    ['a closing quote stays with its sentence', '彼は「終わりだ。」その後、去った。', ['彼は「終わりだ。」', 'その後、去った。']],
    ['a quote that goes on with と is one sentence', '「勝利だ。」と述べた。次の文。', ['「勝利だ。」と述べた。', '次の文。']],
    ['decimals and tickers are not ends', 'GDP grew 3.5% at ROSN.MM today. Next', ['GDP grew 3.5% at ROSN.MM today. ', 'Next']],
    ['a run of terminators is one end', '何だって！？まさか。', ['何だって！？', 'まさか。']],
    ['a line break ends a sentence', '見出し\n本文。', ['見出し\n', '本文。']],
    ['no terminator at all', '終わりのない文', ['終わりのない文']],
    ['an empty string', '', []],
    ['surrogate pairs survive', '𠮷野家に行った。𩸽を食べた。', ['𠮷野家に行った。', '𩸽を食べた。']],
  ])('%s', (_name, text, expected) => {
    const sentences = splitSentences(text);
    expect(sentences).toEqual(expected);
    expect(sentences.join('')).toBe(text);
    expect(sentences).not.toContain('');
  });
});
