/**
 * Builds `kiji-test-char`, a tiny character-level embedding model that the real transformers.js
 * `feature-extraction` pipeline loads from a local folder, so tests exercise tokenizer, ONNX
 * Runtime and pooling end to end without a download (Hugging Face is not reachable in CI).
 *
 * Regenerate (deterministic: same inputs give the same bytes):
 *
 *     npx tsx scripts/make-test-model.ts [OUT_DIR]     # default test/fixtures/model/kiji-test-char
 *
 * What the model is: one Gather from an embedding table, nothing else. Every character of the
 * seed articles (`data/articles/reuters-2026-01-06.txt`), of the seed dev questions
 * (`data/eval/seed-dev.jsonl`), ASCII letters/digits and common
 * Japanese punctuation is one WordPiece token with a random row seeded by the character and scaled
 * by its IDF over the article paragraphs, so mean-pooled texts sharing rare characters are close.
 * A small dictionary (`paris`/パリ, `summit`/首脳会合, `oil`/石油, `drone`/無人機, ...) makes each
 * English word and its Japanese equivalent one token sharing a row, so an English question can
 * reach a Japanese passage through vectors alone. It knows nothing else: use it to test plumbing,
 * never to judge retrieval quality.
 *
 * Layout as a Hugging Face repo: config.json, tokenizer.json, tokenizer_config.json,
 * onnx/model.onnx (fp32) and onnx/model_quantized.onnx (int8 table + DequantizeLinear; the file
 * transformers.js 4.3.1 picks for dtype 'q8'). The vocabulary depends on the input texts: commit
 * the folder after regenerating (test/embeddings/make-test-model.test.ts checks that it matches).
 */
import { mulberry32 } from './lib/random.js';
import { type Bytes, DT, concat, int, msg, node, str, tensor, valueInfo } from './lib/onnx.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const testModelDefaults = {
  outDir: path.join(projectRoot, 'test/fixtures/model/kiji-test-char'),
  /** Named files, not the whole articles folder: a user's own articles must not change the test model. */
  articleFiles: [path.join(projectRoot, 'data/articles/reuters-2026-01-06.txt')],
  questionsFile: path.join(projectRoot, 'data/eval/seed-dev.jsonl'),
  /** 32-64. 32 keeps the fp32 file near 100 KB; character matches are then noisy (about 1/sqrt(32)), dictionary words are not. */
  dimension: 32,
  seed: 20260106,
  /** Punctuation appears in every text; small rows keep it from pulling all vectors together. */
  punctuationScale: 0.1,
  /** Floor of the IDF row weight, so a character found in every paragraph still counts a little. */
  minWeight: 0.05,
  /** A dictionary word stands for several characters, so its row is longer than one character's. */
  bridgeScale: 2,
  maxLength: 512,
} as const;

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
const PUNCTUATION = '、。・「」『』（）【】〈〉《》〔〕！？：；…ー―‐〜～，．'.normalize('NFKC');
const ASCII = 'abcdefghijklmnopqrstuvwxyz0123456789';
/**
 * A tiny bilingual dictionary: each English word and its Japanese equivalents are whole tokens
 * sharing one row. (A row averaged from the Japanese characters' rows was tried first: 3 characters
 * among a paragraph's 80 were lost in the noise of 64 random dimensions.)
 */
const BRIDGES: Record<string, string[]> = {
  paris: ['パリ'],
  summit: ['首脳会合'],
  venezuela: ['ベネズエラ'],
  russia: ['ロシア'],
  oil: ['石油'],
  drone: ['無人機', 'ドローン'],
  ukraine: ['ウクライナ'],
  france: ['フランス'],
  britain: ['英国'],
  macron: ['マクロン'],
  zelensky: ['ゼレンスキー'],
  trump: ['トランプ'],
  putin: ['プーチン'],
};
const BRIDGE_WORDS = Object.values(BRIDGES).flat();

/** Same normalization as the tokenizer.json normalizer below (NFKC, then lowercase). */
const normalize = (text: string): string => text.normalize('NFKC').toLowerCase();
const isPunctuationOrSymbol = (ch: string): boolean => /[\p{P}\p{S}]/u.test(ch);

function readSourceTexts(): { texts: string[]; sources: string[] } {
  const d = testModelDefaults;
  const texts = d.articleFiles.map((f) => readFileSync(f, 'utf8'));
  for (const line of readFileSync(d.questionsFile, 'utf8').split('\n')) {
    if (line.trim()) texts.push(String((JSON.parse(line) as { question?: unknown }).question ?? ''));
  }
  const sources = [...d.articleFiles, d.questionsFile].map((f) => path.relative(projectRoot, f));
  return { texts, sources };
}

function buildVocab(texts: string[]): string[] {
  const chars = new Set<string>([...ASCII, ...PUNCTUATION, ...BRIDGE_WORDS.join('')]);
  for (const text of texts) for (const ch of normalize(text)) if (!/\s/u.test(ch)) chars.add(ch);
  // Code-point order, not insertion order, so the ids do not depend on file order.
  const sorted = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const continuations = [...ASCII].map((c) => `##${c}`);
  return [...SPECIAL, ...sorted, ...continuations, ...Object.keys(BRIDGES), ...BRIDGE_WORDS];
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const prng = mulberry32;

/**
 * Row length per character: its IDF over the source paragraphs, so common characters (の, は, 国)
 * barely move a mean-pooled vector and rare content characters (油, 脳, ズ) decide it. Without
 * this, 32 random dimensions drown a 3-character match in the other 80 characters of a paragraph.
 */
function characterWeights(texts: string[]): Map<string, number> {
  const paragraphs = texts.flatMap((t) => normalize(t).split(/\n\s*\n/)).filter((p) => p.trim());
  const df = new Map<string, number>();
  for (const p of paragraphs) for (const ch of new Set(p)) df.set(ch, (df.get(ch) ?? 0) + 1);
  const n = paragraphs.length;
  const maxIdf = Math.log(n + 1);
  // Characters never seen in a paragraph (question-only, ASCII) count as rare.
  return new Map([...df].map(([ch, f]) => [ch, Math.log((n + 1) / f) / maxIdf]));
}

function buildTable(vocab: string[], dim: number, weights: Map<string, number>): Float32Array {
  const d = testModelDefaults;
  const table = new Float32Array(vocab.length * dim);
  const index = new Map(vocab.map((t, i) => [t, i]));
  vocab.forEach((token, row) => {
    if (token === '[PAD]' || token === '[MASK]') return;
    // [CLS]/[SEP] are in every text like punctuation: small but not zero, so an empty text still has a direction.
    const small = token === '[CLS]' || token === '[SEP]' || ([...token].length === 1 && isPunctuationOrSymbol(token));
    const scale = small ? d.punctuationScale : Math.max(d.minWeight, weights.get(token) ?? 1);
    // Seeded by the token itself, so a character keeps its row when other articles change the vocabulary.
    const random = prng(fnv1a(token) ^ d.seed);
    for (let j = 0; j < dim; j++) table[row * dim + j] = (random() * 2 - 1) * scale;
  });
  for (const [english, japanese] of Object.entries(BRIDGES)) {
    const random = prng(fnv1a(english) ^ d.seed);
    const concept = Array.from({ length: dim }, () => (random() * 2 - 1) * d.bridgeScale);
    for (const token of [english, ...japanese]) table.set(concept, index.get(token)! * dim);
  }
  return table;
}

function onnxModel(table: Float32Array, vocabSize: number, dim: number, quantized: boolean): Bytes {
  const graph: Bytes[] = [];
  if (quantized) {
    let maxAbs = 0;
    for (const v of table) maxAbs = Math.max(maxAbs, Math.abs(v));
    const scale = Math.fround(maxAbs / 127);
    const q = Int8Array.from(table, (v) => Math.max(-127, Math.min(127, Math.round(v / scale))));
    graph.push(node('Gather', ['embeddings_q', 'input_ids'], ['gathered_q']));
    graph.push(node('DequantizeLinear', ['gathered_q', 'scale', 'zero_point'], ['last_hidden_state']));
    graph.push(msg(5, tensor('embeddings_q', DT.INT8, [vocabSize, dim], new Uint8Array(q.buffer))));
    graph.push(msg(5, tensor('scale', DT.FLOAT, [], new Uint8Array(Float32Array.of(scale).buffer))));
    graph.push(msg(5, tensor('zero_point', DT.INT8, [], Uint8Array.of(0))));
  } else {
    graph.push(node('Gather', ['embeddings', 'input_ids'], ['last_hidden_state']));
    graph.push(msg(5, tensor('embeddings', DT.FLOAT, [vocabSize, dim], new Uint8Array(table.buffer))));
  }
  graph.push(str(2, 'kiji-test-char'));
  // attention_mask is unused by the graph but must be an input: transformers.js feeds what the session declares.
  graph.push(valueInfo(11, 'input_ids', DT.INT64, ['batch_size', 'sequence_length']));
  graph.push(valueInfo(11, 'attention_mask', DT.INT64, ['batch_size', 'sequence_length']));
  graph.push(valueInfo(12, 'last_hidden_state', DT.FLOAT, ['batch_size', 'sequence_length', dim]));
  return concat([int(1, 8), str(2, 'kiji make-test-model'), msg(7, graph), msg(8, [str(1, ''), int(2, 13)])]);
}

function tokenizerJson(vocab: string[]): object {
  const id = (t: string) => vocab.indexOf(t);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content) => ({
      id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFKC' },
        // strip_accents off: NFD would drop the dakuten of ガ/ダ/バ and merge them with カ/タ/ハ.
        { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: false, strip_accents: false, lowercase: true },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'BertPreTokenizer' },
        // Dictionary words first, then every other non-ASCII character on its own: Japanese has no spaces.
        { type: 'Split', pattern: { Regex: `${[...BRIDGE_WORDS].sort((a, b) => b.length - a.length).join('|')}|[^\\x00-\\x7F]` }, behavior: 'Isolated', invert: false },
      ],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

export function makeTestModel(outDir: string = testModelDefaults.outDir): { vocabSize: number; bytes: number; sources: string[] } {
  const d = testModelDefaults;
  const { texts, sources } = readSourceTexts();
  const vocab = buildVocab(texts);
  const table = buildTable(vocab, d.dimension, characterWeights(texts));
  const files: Record<string, string | Bytes> = {
    'config.json': JSON.stringify(
      {
        model_type: 'bert',
        architectures: ['BertModel'],
        hidden_size: d.dimension,
        num_hidden_layers: 0,
        num_attention_heads: 1,
        intermediate_size: d.dimension,
        max_position_embeddings: d.maxLength,
        vocab_size: vocab.length,
        type_vocab_size: 1,
        pad_token_id: 0,
        _kiji_note: 'Test-only model made by scripts/make-test-model.ts: one embedding table, no layers.',
      },
      null,
      2,
    ) + '\n',
    'tokenizer.json': JSON.stringify(tokenizerJson(vocab)) + '\n',
    'tokenizer_config.json': JSON.stringify(
      {
        tokenizer_class: 'BertTokenizer',
        model_max_length: d.maxLength,
        do_lower_case: true,
        tokenize_chinese_chars: false,
        strip_accents: false,
        unk_token: '[UNK]', pad_token: '[PAD]', cls_token: '[CLS]', sep_token: '[SEP]', mask_token: '[MASK]',
      },
      null,
      2,
    ) + '\n',
    'onnx/model.onnx': onnxModel(table, vocab.length, d.dimension, false),
    'onnx/model_quantized.onnx': onnxModel(table, vocab.length, d.dimension, true),
  };
  let total = 0;
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(outDir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    total += typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  }
  return { vocabSize: vocab.length, bytes: total, sources };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? testModelDefaults.outDir);
  const { vocabSize, bytes, sources } = makeTestModel(outDir);
  console.log(`Wrote ${outDir}: vocab ${vocabSize}, dim ${testModelDefaults.dimension}, ${Math.round(bytes / 1024)} KB, from ${sources.join(', ')}`);
}
