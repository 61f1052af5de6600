/**
 * Builds `e5-small-shape`, a model with the exact architecture and size of
 * intfloat/multilingual-e5-small (BERT, 12 layers, hidden 384, 12 heads, intermediate 1536, vocab
 * 250,037, exact-erf GELU) and random weights, laid out as transformers.js loads a local model.
 * No pretrained model can be downloaded offline; this one makes the bench's embedding timings and
 * memory real. Its embeddings are meaningless: never use it to judge retrieval quality.
 *
 *     npx tsx scripts/make-bench-model.ts [OUT_DIR] [TEXT_DIR]   # defaults models/e5-small-shape, models/bench-text
 *
 * Writes OUT_DIR/config.json, tokenizer.json (a SentencePiece-Unigram vocabulary of 250,002
 * pieces, like XLM-R's), tokenizer_config.json, special_tokens_map.json, onnx/model.onnx (fp32) and
 * onnx/model_quantized.onnx (int8, the file transformers.js picks for dtype 'q8'); TEXT_DIR gets
 * Japanese-like sample passages and queries made of the vocabulary's words, for timing the model
 * by hand. Deterministic: the same options give the same bytes.
 *
 * The fp32 graph is what torch.onnx.export makes of Hugging Face's BertModel at opset 14 (pooler
 * left out, as in a feature-extraction export): LayerNorm and GELU as their primitive operators,
 * which ONNX Runtime fuses when it loads the model, as it does for a real export. The int8 model
 * has the operator pattern of onnxruntime's quantize_dynamic (see `quantizeDynamic`).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from './lib/random.js';
import { type Attribute, type DataType, DT, type Elements, type LazyTensor, elementCount, node, valueInfo, writeModel } from './lib/onnx.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchModelOptions {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  /** Rows of the word-embedding table (config vocab_size). */
  vocabSize: number;
  /** Pieces in tokenizer.json, at most vocabSize (e5-small's table has 35 rows no piece uses). */
  tokenizerSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  /** Standard deviation of the random weights (BERT's initializer_range). */
  initializerRange: number;
  seed: number;
  passages: number;
  queries: number;
}

export const benchModelDefaults = {
  outDir: path.join(projectRoot, 'models/e5-small-shape'),
  textDir: path.join(projectRoot, 'models/bench-text'),
  options: {
    layers: 12,
    hidden: 384,
    heads: 12,
    intermediate: 1536,
    vocabSize: 250_037,
    tokenizerSize: 250_002,
    maxPositions: 512,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    initializerRange: 0.02,
    seed: 20260106,
    passages: 256,
    queries: 50,
  } satisfies BenchModelOptions as BenchModelOptions,
};

// ---- Random weights ----

/** mulberry32 adds this constant to its state on every draw. */
const MULBERRY_STEP = 0x6d2b79f5;
/**
 * The generator `draws` draws into the stream of `seed`: mulberry32's state is seed + draws * step,
 * so a tensor can be produced again (to write it, then to quantize it) without replaying the
 * tensors before it, and no two tensors share numbers.
 */
const streamAt = (seed: number, draws: number): (() => number) => mulberry32((seed + Math.imul(draws, MULBERRY_STEP)) >>> 0);

const CHUNK = 1 << 20; // elements per chunk; even, so Box-Muller pairs never straddle two chunks

/** N(mean, std) by Box-Muller, in chunks; uses 2 * ceil(count / 2) draws from `start`. */
function* normals(seed: number, start: number, count: number, mean: number, std: number): Generator<Float32Array> {
  const random = streamAt(seed, start);
  for (let done = 0; done < count; done += CHUNK) {
    const out = new Float32Array(Math.min(CHUNK, count - done));
    for (let i = 0; i < out.length; i += 2) {
      const radius = std * Math.sqrt(-2 * Math.log(1 - random()));
      const angle = 2 * Math.PI * random();
      out[i] = mean + radius * Math.cos(angle);
      if (i + 1 < out.length) out[i + 1] = mean + radius * Math.sin(angle);
    }
    yield out;
  }
}

interface Range {
  min: number;
  max: number;
}

interface Initializer extends LazyTensor {
  /** Smallest and largest element of a float tensor (quantization needs them before writing). */
  range?: () => Range;
}

// ---- The graph ----

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes?: Record<string, Attribute>;
}

interface Graph {
  nodes: NodeSpec[];
  initializers: Initializer[];
}

class GraphBuilder implements Graph {
  nodes: NodeSpec[] = [];
  initializers: Initializer[] = [];
  private draws = 0;
  constructor(private readonly seed: number) {}

  /** Adds a node and returns its output's name (`output` when given). */
  op(op: string, inputs: string[], attributes?: Record<string, Attribute>, output?: string): string {
    const name = `/${op}_${this.nodes.length}`;
    const out = output ?? `${name}_output_0`;
    this.nodes.push({ op, inputs, outputs: [out], name, attributes });
    return out;
  }

  random(name: string, dims: number[], mean: number, std: number): string {
    const count = elementCount(dims);
    const { seed } = this;
    const start = this.draws;
    this.draws += 2 * Math.ceil(count / 2);
    let range: Range | undefined;
    const tensor: Initializer = {
      name,
      dataType: DT.FLOAT,
      dims,
      *chunks() {
        let min = Infinity;
        let max = -Infinity;
        for (const chunk of normals(seed, start, count, mean, std)) {
          for (const v of chunk) {
            if (v < min) min = v;
            if (v > max) max = v;
          }
          yield chunk;
        }
        range = { min, max };
      },
      range() {
        if (!range) for (const _ of tensor.chunks());
        return range!;
      },
    };
    this.initializers.push(tensor);
    return name;
  }

  constant(name: string, dataType: typeof DT.FLOAT | typeof DT.INT64, dims: number[], values: number[]): string {
    const data = dataType === DT.FLOAT ? Float32Array.from(values) : BigInt64Array.from(values, BigInt);
    this.initializers.push({ name, dataType, dims, chunks: () => [data] });
    return name;
  }
}

/** Hugging Face's BertModel (absolute positions, token types, eager attention), as torch exports it. */
function bertGraph(o: BenchModelOptions): Graph {
  const g = new GraphBuilder(o.seed);
  const r = o.initializerRange;
  const H = o.hidden;
  if (H % o.heads !== 0) throw new Error(`hidden (${H}) must be a multiple of heads (${o.heads}).`);
  const headSize = H / o.heads;

  const f = (name: string, v: number) => g.constant(name, DT.FLOAT, [], [v]);
  const i64 = (name: string, values: number[]) => g.constant(name, DT.INT64, [values.length], values);
  const one = f('const_one', 1);
  const two = f('const_two', 2);
  const eps = f('const_layer_norm_eps', o.layerNormEps);
  const lastAxis: Record<string, Attribute> = { axes: { ints: [-1] }, keepdims: { int: 1 } };

  const linear = (x: string, prefix: string, inDim: number, outDim: number): string => {
    // Stored as [in, out]: torch's Linear weight [out, in] after the export folds its transpose.
    const weight = g.random(`${prefix}.weight`, [inDim, outDim], 0, r);
    const bias = g.random(`${prefix}.bias`, [outDim], 0, r);
    return g.op('Add', [g.op('MatMul', [x, weight]), bias]);
  };
  const layerNorm = (x: string, prefix: string, output?: string): string => {
    const gamma = g.random(`${prefix}.weight`, [H], 1, r);
    const beta = g.random(`${prefix}.bias`, [H], 0, r);
    const centered = g.op('Sub', [x, g.op('ReduceMean', [x], lastAxis)]);
    const variance = g.op('ReduceMean', [g.op('Pow', [centered, two])], lastAxis);
    const normed = g.op('Div', [centered, g.op('Sqrt', [g.op('Add', [variance, eps])])]);
    return g.op('Add', [g.op('Mul', [normed, gamma]), beta], undefined, output);
  };

  // Embeddings: word + token type + position (positions 0..seq-1 sliced from a constant, as torch does).
  const words = g.random('embeddings.word_embeddings.weight', [o.vocabSize, H], 0, r);
  const positionTable = g.random('embeddings.position_embeddings.weight', [o.maxPositions, H], 0, r);
  const types = g.random('embeddings.token_type_embeddings.weight', [o.typeVocabSize, H], 0, r);
  const positionIds = g.constant('embeddings.position_ids', DT.INT64, [1, o.maxPositions], Array.from({ length: o.maxPositions }, (_, i) => i));
  const zeroIdx = i64('const_index_0', [0]);
  const oneIdx = i64('const_index_1', [1]);
  const seqLen = g.op('Slice', [g.op('Shape', ['input_ids']), oneIdx, i64('const_index_2', [2]), zeroIdx]);
  const positions = g.op('Slice', [positionIds, zeroIdx, seqLen, oneIdx]);
  let x = g.op('Add', [g.op('Gather', [words, 'input_ids']), g.op('Gather', [types, 'token_type_ids'])]);
  x = g.op('Add', [x, g.op('Gather', [positionTable, positions])]);
  x = layerNorm(x, 'embeddings.LayerNorm');

  // Additive mask: 0 where attended, float32's lowest where padded.
  const mask4d = g.op('Unsqueeze', [g.op('Unsqueeze', ['attention_mask', oneIdx]), i64('const_axes_2', [2])]);
  const maskFloat = g.op('Cast', [mask4d], { to: { int: DT.FLOAT } });
  const mask = g.op('Mul', [g.op('Sub', [one, maskFloat]), f('const_float_min', -3.4028234663852886e38)]);

  const splitShape = i64('const_split_heads_shape', [0, 0, o.heads, headSize]);
  const mergeShape = i64('const_merge_heads_shape', [0, 0, H]);
  const sqrtHead = f('const_sqrt_head_size', Math.sqrt(headSize));
  const sqrt2 = f('const_sqrt_2', Math.SQRT2);
  const half = f('const_half', 0.5);
  const perm = (p: number[]): Record<string, Attribute> => ({ perm: { ints: p } });

  for (let l = 0; l < o.layers; l++) {
    const p = `encoder.layer.${l}`;
    const heads = (t: string, order: number[]) => g.op('Transpose', [g.op('Reshape', [t, splitShape])], perm(order));
    const q = heads(linear(x, `${p}.attention.self.query`, H, H), [0, 2, 1, 3]);
    const kT = heads(linear(x, `${p}.attention.self.key`, H, H), [0, 2, 3, 1]);
    const v = heads(linear(x, `${p}.attention.self.value`, H, H), [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Div', [g.op('MatMul', [q, kT]), sqrtHead]), mask]);
    const probs = g.op('Softmax', [scores], { axis: { int: -1 } });
    const context = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], perm([0, 2, 1, 3])), mergeShape]);
    const attended = layerNorm(g.op('Add', [linear(context, `${p}.attention.output.dense`, H, H), x]), `${p}.attention.output.LayerNorm`);
    const inner = linear(attended, `${p}.intermediate.dense`, H, o.intermediate);
    // Exact GELU, x * 0.5 * (1 + erf(x / sqrt 2)), as Hugging Face's "gelu".
    const gelu = g.op('Mul', [g.op('Mul', [inner, g.op('Add', [g.op('Erf', [g.op('Div', [inner, sqrt2])]), one])]), half]);
    const out = g.op('Add', [linear(gelu, `${p}.output.dense`, o.intermediate, H), attended]);
    x = layerNorm(out, `${p}.output.LayerNorm`, l === o.layers - 1 ? 'last_hidden_state' : undefined);
  }
  if (o.layers === 0) g.op('Identity', [x], undefined, 'last_hidden_state');
  return g;
}

// ---- Dynamic int8 quantization ----

/** Round half to even, like numpy's rint (Math.round rounds halves up). */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function mapChunks<T extends Elements>(source: Initializer, convert: (chunk: Float32Array) => T): () => Iterable<T> {
  return function* () {
    for (const chunk of source.chunks()) yield convert(chunk as Float32Array);
  };
}

/**
 * The operator pattern of onnxruntime's quantize_dynamic in its default (QOperator/IntegerOps) mode,
 * which Xenova's model_quantized.onnx files have:
 *  - MatMul by a 2-D weight: DynamicQuantizeLinear(A) -> MatMulInteger(A_q, W_q) -> Cast(float)
 *    -> Mul(A_scale * W_scale); weights int8, symmetric, per tensor, 7-bit range [-64, 64] as
 *    onnxruntime's reduce_range. ONNX Runtime fuses this into DynamicQuantizeMatMul at load.
 *  - MatMul of two activations (attention): both sides through DynamicQuantizeLinear.
 *  - Gather from a float table (embeddings): uint8 table -> Gather -> DequantizeLinear.
 */
function quantizeDynamic(graph: Graph): Graph {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const nodes: NodeSpec[] = [];
  const added: Initializer[] = [];
  const replaced = new Set<string>();
  const quantizedActivations = new Map<string, [string, string, string]>();

  const scalar = (name: string, dataType: DataType, value: number): Initializer => ({
    name,
    dataType,
    dims: [],
    chunks: () => [dataType === DT.FLOAT ? Float32Array.of(value) : dataType === DT.INT8 ? Int8Array.of(value) : Uint8Array.of(value)],
  });
  const dynamicQuantize = (name: string): [string, string, string] => {
    let q = quantizedActivations.get(name);
    if (!q) {
      q = [`${name}_quantized`, `${name}_scale`, `${name}_zero_point`];
      nodes.push({ op: 'DynamicQuantizeLinear', inputs: [name], outputs: q, name: `${name}_QuantizeLinear` });
      quantizedActivations.set(name, q);
    }
    return q;
  };

  for (const n of graph.nodes) {
    const table = n.op === 'Gather' ? inits.get(n.inputs[0]!) : undefined;
    if (n.op === 'MatMul') {
      const [a, b] = n.inputs as [string, string];
      const [aq, aScale, aZero] = dynamicQuantize(a);
      let bq: string, bScale: string, bZero: string;
      const weight = inits.get(b);
      if (weight && weight.dims.length === 2) {
        const { min, max } = weight.range!();
        const scale = Math.fround(Math.max(Math.abs(min), Math.abs(max), 1e-8) / 64);
        [bq, bScale, bZero] = [`${b}_quantized`, `${b}_scale`, `${b}_zero_point`];
        added.push(
          {
            name: bq,
            dataType: DT.INT8,
            dims: weight.dims,
            chunks: mapChunks(weight, (c) => {
              const q = new Int8Array(c.length);
              for (let i = 0; i < c.length; i++) q[i] = Math.max(-64, Math.min(64, rint(Math.fround(c[i]! / scale))));
              return q;
            }),
          },
          scalar(bScale, DT.FLOAT, scale),
          scalar(bZero, DT.INT8, 0),
        );
        replaced.add(b);
      } else {
        [bq, bScale, bZero] = dynamicQuantize(b);
      }
      const out = n.outputs[0]!;
      const base = `${n.name}_quant`;
      nodes.push(
        { op: 'MatMulInteger', inputs: [aq, bq, aZero, bZero], outputs: [`${out}_output_quantized`], name: base },
        { op: 'Cast', inputs: [`${out}_output_quantized`], outputs: [`${out}_output_quantized_cast_output`], name: `${out}_output_quantized_cast`, attributes: { to: { int: DT.FLOAT } } },
        { op: 'Mul', inputs: [aScale, bScale], outputs: [`${base}_scales_mul:0`], name: `${base}_scales_mul` },
        { op: 'Mul', inputs: [`${out}_output_quantized_cast_output`, `${base}_scales_mul:0`], outputs: [out], name: `${base}_output_scale_mul` },
      );
    } else if (table?.dataType === DT.FLOAT) {
      // Asymmetric uint8 over the table's range widened to include 0, so 0 stays exact.
      const { min, max } = table.range!();
      const lo = Math.min(min, 0);
      const hi = Math.max(max, 0);
      const scale = Math.fround((hi - lo) / 255) || 1;
      const zero = Math.max(0, Math.min(255, rint(-lo / scale)));
      const d = table.name;
      added.push(
        {
          name: `${d}_quantized`,
          dataType: DT.UINT8,
          dims: table.dims,
          chunks: mapChunks(table, (c) => {
            const q = new Uint8Array(c.length);
            for (let i = 0; i < c.length; i++) q[i] = Math.max(0, Math.min(255, rint(Math.fround(c[i]! / scale)) + zero));
            return q;
          }),
        },
        scalar(`${d}_scale`, DT.FLOAT, scale),
        scalar(`${d}_zero_point`, DT.UINT8, zero),
      );
      replaced.add(d);
      const out = n.outputs[0]!;
      nodes.push(
        { ...n, inputs: [`${d}_quantized`, n.inputs[1]!], outputs: [`${out}_quantized`] },
        { op: 'DequantizeLinear', inputs: [`${out}_quantized`, `${d}_scale`, `${d}_zero_point`], outputs: [out], name: `${out}_DequantizeLinear` },
      );
    } else {
      nodes.push(n);
    }
  }
  const stillUsed = new Set(nodes.flatMap((n) => n.inputs));
  const kept = graph.initializers.filter((t) => !replaced.has(t.name) || stillUsed.has(t.name));
  return { nodes, initializers: [...kept, ...added] };
}

function writeOnnx(file: string, graph: Graph, hidden: number): number {
  const dynamic = ['batch_size', 'sequence_length'];
  return writeModel(file, {
    irVersion: 8,
    producer: 'kiji make-bench-model',
    opset: 14,
    graph: {
      name: 'e5-small-shape',
      nodes: graph.nodes.map((n) => node(n.op, n.inputs, n.outputs, n.name, n.attributes)),
      initializers: graph.initializers,
      inputs: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => valueInfo(11, name, DT.INT64, dynamic)),
      outputs: [valueInfo(12, 'last_hidden_state', DT.FLOAT, [...dynamic, hidden])],
    },
  });
}

// ---- Tokenizer and sample texts ----

const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => String.fromCodePoint(from + i));
const HIRAGANA = range(0x3041, 0x3097);
const KATAKANA = [...range(0x30a1, 0x30fb), 'ー'];
const KANJI = range(0x4e00, 0xa000);
const PUNCTUATION = ['。', '、', '「', '」', '・', '▁', '.', ',', '!', '?', '(', ')', ':', '-', ...range(0x30, 0x3a), ...range(0x61, 0x7b), ...range(0x41, 0x5b), '▁passage', '▁query'];
const PARTICLES = ['の', 'は', 'が', 'を', 'に', 'で', 'と', 'も', 'へ', 'や', 'か', 'な'];
const ENDINGS = ['する', 'した', 'です', 'ます', 'ている', 'された', 'される', 'について', 'による', 'として', 'ための', 'から', 'まで', 'より', 'など', 'こと', 'もの', 'ない', 'ある', 'いる'];
const LATIN = [...'abcdefghijklmnopqrstuvwxyzéèàüöäßçñ'];

/**
 * Pieces with log-probability scores, most frequent first: particles and endings, punctuation and
 * kana, every CJK ideograph, synthetic Japanese words (kanji compounds, katakana loanwords), then
 * synthetic Latin pieces. Only the vocabulary's size and the tokenizer's speed are realistic, not its
 * segmentation. Also returns the common words the sample texts are made of.
 */
function unigramPieces(size: number, random: () => number): { pieces: [string, number][]; commonWords: string[] } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const pieces: [string, number][] = [];
  const seen = new Set<string>();
  const add = (piece: string, score: number): void => {
    if (pieces.length < size && !seen.has(piece)) {
      seen.add(piece);
      pieces.push([piece, score]);
    }
  };
  for (const p of PARTICLES) add(p, -5.5 - random());
  for (const e of ENDINGS) add(e, -6 - random());
  for (const c of [...PUNCTUATION, ...HIRAGANA, ...KATAKANA]) add(c, -7 - 2 * random());
  for (const c of KANJI) add(c, -9 - 3 * random());
  const commonKanji = KANJI.slice(0, 3000);
  const commonWords = new Set<string>();
  while (commonWords.size < 6000) {
    const word = pick(commonKanji) + pick(commonKanji);
    if (!commonWords.has(word)) {
      commonWords.add(word);
      add(word, -7.5 - 2 * random());
    }
  }
  while (pieces.length < Math.min(size, 70_000)) {
    const kind = random();
    const word =
      kind < 0.6
        ? Array.from({ length: pick([2, 2, 3]) }, () => pick(KANJI)).join('')
        : kind < 0.85
          ? Array.from({ length: pick([2, 3, 4]) }, () => pick(KATAKANA)).join('')
          : pick(KANJI) + pick(HIRAGANA);
    add(random() < 0.2 ? `▁${word}` : word, -9.5 - 4 * random());
  }
  while (pieces.length < size) {
    const word = Array.from({ length: pick([2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9]) }, () => pick(LATIN)).join('');
    add(random() < 0.5 ? `▁${word}` : word, -10 - 6 * random());
  }
  return { pieces, commonWords: [...commonWords] };
}

const SPECIAL_TOKENS = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', sep_token: '</s>', cls_token: '<s>', pad_token: '<pad>', mask_token: '<mask>' };

/** An XLM-R-style tokenizer.json: NFKC, Metaspace, Unigram, `<s> A </s>` around each text. */
function tokenizerJson(pieces: [string, number][]): object {
  const vocab: [string, number][] = [['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ...pieces, ['<mask>', 0]];
  const special = (id: number, content: string, lstrip = false) => ({ id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });
  const metaspace = { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'always', split: true };
  const token = (id: string, typeId = 0) => ({ SpecialToken: { id, type_id: typeId } });
  const sequence = (id: string) => ({ Sequence: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<s>'), special(1, '<pad>'), special(2, '</s>'), special(3, '<unk>'), special(vocab.length - 1, '<mask>', true)],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: metaspace,
    post_processor: {
      type: 'TemplateProcessing',
      single: [token('<s>'), sequence('A'), token('</s>')],
      pair: [token('<s>'), sequence('A'), token('</s>'), token('</s>'), sequence('B'), token('</s>')],
      special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
}

/** A Japanese-like sentence of `length` characters ending in 。 from the vocabulary's common words. */
function sentence(length: number, commonWords: string[], random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  let s = '';
  while (s.length < length) {
    const r = random();
    if (r < 0.75) s += pick(commonWords) + pick(PARTICLES);
    else if (r < 0.9) s += pick(commonWords) + pick(ENDINGS);
    else if (r < 0.96) s += Array.from({ length: pick([3, 4, 5]) }, () => pick(KATAKANA)).join('');
    else s += pick(KANJI);
    if (random() < 0.12) s += '、';
  }
  return s.slice(0, length - 1) + '。';
}

// ---- Files ----

const jsonFile = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';
const jsonLines = (items: string[]): string => `[\n${items.map((t) => JSON.stringify(t)).join(',\n')}\n]\n`;

export interface BenchModelReport {
  /** Bytes of each file written, by path relative to its folder. */
  files: Record<string, number>;
  parameters: number;
}

export function makeBenchModel(
  outDir: string = benchModelDefaults.outDir,
  textDir: string = benchModelDefaults.textDir,
  options: Partial<BenchModelOptions> = {},
  log: (line: string) => void = () => {},
): BenchModelReport {
  const o = { ...benchModelDefaults.options, ...options };
  if (o.tokenizerSize > o.vocabSize) throw new Error(`tokenizerSize (${o.tokenizerSize}) must not exceed vocabSize (${o.vocabSize}).`);
  if (o.tokenizerSize < 6) throw new Error(`tokenizerSize must be at least 6 (5 special tokens and a piece), got ${o.tokenizerSize}.`);
  mkdirSync(path.join(outDir, 'onnx'), { recursive: true });
  mkdirSync(textDir, { recursive: true });
  const files: Record<string, number> = {};
  const write = (dir: string, name: string, content: string): void => {
    writeFileSync(path.join(dir, name), content);
    files[name] = Buffer.byteLength(content);
  };

  write(outDir, 'config.json', jsonFile({
    architectures: ['BertModel'], attention_probs_dropout_prob: 0.1, hidden_act: 'gelu', hidden_dropout_prob: 0.1,
    hidden_size: o.hidden, initializer_range: o.initializerRange, intermediate_size: o.intermediate, layer_norm_eps: o.layerNormEps,
    max_position_embeddings: o.maxPositions, model_type: 'bert', num_attention_heads: o.heads, num_hidden_layers: o.layers,
    pad_token_id: 0, position_embedding_type: 'absolute', tokenizer_class: 'XLMRobertaTokenizer', torch_dtype: 'float32',
    type_vocab_size: o.typeVocabSize, use_cache: true, vocab_size: o.vocabSize,
    _kiji_note: 'Random weights in the shape of intfloat/multilingual-e5-small, made by scripts/make-bench-model.ts: for timing and memory only.',
  }));

  // A stream of its own, so the tokenizer's size does not change the weights.
  const random = mulberry32(o.seed ^ 0x5bd1e995);
  const { pieces, commonWords } = unigramPieces(o.tokenizerSize - 5, random);
  // Pretty-printed like Hugging Face's own files, so parsing it costs what a real one does.
  write(outDir, 'tokenizer.json', jsonFile(tokenizerJson(pieces)));
  write(outDir, 'tokenizer_config.json', jsonFile({ tokenizer_class: 'XLMRobertaTokenizer', model_max_length: o.maxPositions, ...SPECIAL_TOKENS, clean_up_tokenization_spaces: true, additional_special_tokens: [] }));
  write(outDir, 'special_tokens_map.json', jsonFile(SPECIAL_TOKENS));
  write(textDir, 'passages.json', jsonLines(Array.from({ length: o.passages }, () => 'passage: ' + sentence(150, commonWords, random))));
  write(textDir, 'queries.json', jsonLines(Array.from({ length: o.queries }, () => 'query: ' + sentence(22, commonWords, random))));
  log(`tokenizer: ${o.tokenizerSize} pieces`);

  const graph = bertGraph(o);
  const parameters = graph.initializers.filter((t) => t.dataType === DT.FLOAT).reduce((sum, t) => sum + elementCount(t.dims), 0);
  files['onnx/model.onnx'] = writeOnnx(path.join(outDir, 'onnx/model.onnx'), graph, o.hidden);
  log(`onnx/model.onnx: ${graph.nodes.length} nodes, ${parameters.toLocaleString('en')} parameters`);
  const quantized = quantizeDynamic(graph);
  files['onnx/model_quantized.onnx'] = writeOnnx(path.join(outDir, 'onnx/model_quantized.onnx'), quantized, o.hidden);
  log(`onnx/model_quantized.onnx: ${quantized.nodes.length} nodes`);
  return { files, parameters };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? benchModelDefaults.outDir);
  const textDir = path.resolve(process.argv[3] ?? benchModelDefaults.textDir);
  const started = performance.now();
  const { files } = makeBenchModel(outDir, textDir, {}, (line) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`));
  const mb = (name: string) => `${(statSync(path.join(outDir, name)).size / 1e6).toFixed(1)} MB`;
  console.log(`Wrote ${outDir} (model.onnx ${mb('onnx/model.onnx')}, model_quantized.onnx ${mb('onnx/model_quantized.onnx')}, tokenizer.json ${mb('tokenizer.json')}) and ${textDir} in ${((performance.now() - started) / 1000).toFixed(1)} s; ${Object.keys(files).length} files.`);
}
