import fs from 'node:fs';
import path from 'node:path';
import { jsquadDir } from '../lib/eval-data.js';
import { mulberry32 } from '../lib/random.js';
import type { Embedder } from '../../src/embeddings/embedder.js';

/**
 * Synthetic corpora and vectors for the scale rows of the bench. Real text-model embeddings are
 * clustered (topics, sub-topics, a shared direction), so HNSW recall and latency on them are far
 * better than on uniform random 384-d vectors, which no text model produces. The vectors here are
 * a mixture of Gaussians shaped like that: shared direction + topic centre + a point in a
 * low-dimensional topic subspace + a little isotropic noise, L2-normalized.
 */

export const jsquadArticles = path.join(jsquadDir, 'articles.jsonl');

/** Deterministic, so every run and every child process sees the same corpus. */
export const rng = mulberry32;

export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface JsquadArticle {
  id: string;
  title: string;
  source?: string;
  url?: string;
  body: string;
}

export function readJsquad(): JsquadArticle[] {
  if (!fs.existsSync(jsquadArticles)) {
    throw new Error(`The bench needs the JSQuAD articles at ${jsquadArticles}; they are committed under data/eval/ (see data/eval/README.md).`);
  }
  return fs
    .readFileSync(jsquadArticles, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsquadArticle);
}

export function jsquadParagraphs(): string[] {
  return readJsquad().flatMap((a) => a.body.split(/\n\n+/).map((p) => p.trim()).filter((p) => p.length > 0));
}

/** Paragraphs per synthetic article: a typical news article length. */
const PARAGRAPHS_PER_ARTICLE = 10;

/**
 * Writes `passages` paragraphs of real-looking Japanese (JSQuAD sentences recombined, plus dates
 * and numbers so the vocabulary grows with the corpus as a real one does) as a JSONL articles
 * file. Every paragraph is >= 40 and <= 400 characters, so each becomes exactly one passage.
 */
export function writeSyntheticArticles(file: string, passages: number, seed = 1): void {
  const sentences = jsquadParagraphs()
    .flatMap((p) => p.split(/(?<=。)/))
    .map((s) => s.trim())
    .filter((s) => s.length >= 8 && s.length <= 150);
  const random = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(`${file}.tmp`, 'w');
  let lines: string[] = [];
  const articles = Math.ceil(passages / PARAGRAPHS_PER_ARTICLE);
  let written = 0;
  for (let a = 0; a < articles; a++) {
    const count = Math.min(PARAGRAPHS_PER_ARTICLE, passages - written);
    const paragraphs: string[] = [];
    for (let p = 0; p < count; p++) {
      let text = `${2000 + Math.floor(random() * 26)}年${1 + Math.floor(random() * 12)}月、第${Math.floor(random() * 100000)}号。`;
      while (text.length < 120) text += pick(sentences);
      paragraphs.push(text.slice(0, 390));
    }
    written += count;
    const title = `${pick(sentences).slice(0, 30)}（${a}）`;
    lines.push(JSON.stringify({ id: `syn-${a}`, title, source: 'synthetic (JSQuAD sentences)', body: paragraphs.join('\n\n') }));
    if (lines.length >= 2000) {
      fs.writeSync(fd, lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length > 0) fs.writeSync(fd, lines.join('\n') + '\n');
  fs.closeSync(fd);
  fs.renameSync(`${file}.tmp`, file);
}

export interface ClusterShape {
  dimension: number;
  topics: number;
  /** Dimension of each topic's sub-space (the intrinsic dimension of a topic). */
  subspace: number;
}

/** Topic count grows with the corpus (about 1,000 passages a topic, at least 16). */
export function clusterShape(passages: number, dimension = 384): ClusterShape {
  return { dimension, topics: Math.max(16, Math.round(passages / 1000)), subspace: 16 };
}

/**
 * A text -> vector function with the clustered shape described above. The vector depends on the
 * text only (its hash picks the topic and seeds the noise), so re-runs and incremental builds see
 * the same vectors; a query is drawn from the same mixture.
 */
export class ClusteredVectors {
  private readonly common: Float32Array;
  private readonly centres: Float32Array[];
  private readonly bases: Float32Array[][];

  constructor(readonly shape: ClusterShape, seed = 7) {
    const random = rng(seed);
    const unit = (): Float32Array => normalize(Float32Array.from({ length: shape.dimension }, () => gaussian(random)));
    this.common = unit();
    this.centres = Array.from({ length: shape.topics }, unit);
    this.bases = Array.from({ length: shape.topics }, () => Array.from({ length: shape.subspace }, unit));
  }

  vector(seed: number): Float32Array {
    const random = rng(seed);
    const { dimension, topics, subspace } = this.shape;
    const topic = Math.floor(random() * topics);
    const v = new Float32Array(dimension);
    const centre = this.centres[topic]!;
    for (let i = 0; i < dimension; i++) v[i] = 0.7 * this.common[i]! + centre[i]!;
    for (const basis of this.bases[topic]!) {
      const w = (0.8 * gaussian(random)) / Math.sqrt(subspace);
      for (let i = 0; i < dimension; i++) v[i]! += w * basis[i]!;
    }
    const noise = 0.25 / Math.sqrt(dimension);
    for (let i = 0; i < dimension; i++) v[i]! += noise * gaussian(random);
    return normalize(v);
  }

  ofText(text: string): Float32Array {
    return this.vector(fnv1a(text));
  }
}

export function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

/** An embedder returning clustered synthetic vectors: builds large indexes without a model. */
export class SyntheticEmbedder implements Embedder {
  readonly modelId = 'synthetic-clustered';
  readonly dimension: number;
  calls = 0;
  constructor(readonly vectors: ClusteredVectors) {
    this.dimension = vectors.shape.dimension;
  }
  async embedPassages(texts: string[]): Promise<Float32Array[]> {
    this.calls++;
    return texts.map((t) => this.vectors.ofText(t));
  }
  async embedQuery(text: string): Promise<Float32Array> {
    return this.vectors.ofText(`query:${text}`);
  }
}

export const syntheticModel = { id: 'synthetic-clustered', dtype: 'none' };
