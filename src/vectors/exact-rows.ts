/**
 * Exact cosine search over a small set of rows (a delta segment's vectors) in WebAssembly SIMD, giving
 * the distances hnswlib's BruteforceSearch gives, bit for bit: the same normalization of rows and
 * query, the same float32 products and sums in the same order (its SSE inner product: four lanes,
 * each summing every fourth product in turn, then the lanes added left to right). Four rows are
 * summed at once, each in its own lanes: hnswlib's one row at a time waits on each add, and its
 * N-API entry reads the query number by number. Where the dimension is not a multiple of 16 (hnswlib
 * then sums otherwise) or the check against hnswlib fails (a build of it with AVX sums in eight
 * lanes), `exactRows` returns undefined and the caller uses hnswlib.
 */

/** Rows summed per pass: one v128 accumulator each. */
const ROWS_PER_PASS = 4;

/**
 * `scan(query, rows, count, stride, out)`: for each of `count` rows (a multiple of 4, `stride` bytes
 * apart, a multiple of 16) the float32 cosine distance 1 - q.row, into out[row]. Byte offsets.
 */
function scanModule(): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    for (;;) {
      const byte = n & 0x7f;
      n >>>= 7;
      if (n === 0) return [...out, byte];
      out.push(byte | 0x80);
    }
  };
  const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  // Locals: 0 query, 1 rows, 2 count, 3 stride, 4 out (params); 5 r, 6 i, 7 p (row r's start), 8-11 a0-a3 (v128), 12 q (v128).
  const [Q, ROWS, COUNT, STRIDE, OUT, R, I, P] = [0, 1, 2, 3, 4, 5, 6, 7];
  const A = [8, 9, 10, 11];
  const QV = 12;
  const get = (l: number): number[] => [0x20, l];
  const set = (l: number): number[] => [0x21, l];
  const i32 = (n: number): number[] => [0x41, ...leb(n)];
  const simd = (op: number): number[] => [0xfd, ...leb(op)];
  const v128Load = [...simd(0x00), 0x00, 0x00];
  const zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
  const [f32x4Add, f32x4Mul, extract] = [0xe4, 0xe6, 0x1f];
  const accumulate = A.flatMap((a, j) => [
    ...get(a),
    // row r + j at p + j * stride + i
    ...get(P),
    ...(j === 0 ? [] : [...get(STRIDE), ...i32(j), 0x6c, 0x6a]),
    ...get(I),
    0x6a,
    ...v128Load,
    ...get(QV),
    ...simd(f32x4Mul),
    ...simd(f32x4Add),
    ...set(a),
  ]);
  const store = A.flatMap((a, j) => [
    // out + (r + j) * 4
    ...get(OUT),
    ...get(R),
    ...i32(j),
    0x6a,
    ...i32(2),
    0x74,
    0x6a,
    0x43,
    0x00,
    0x00,
    0x80,
    0x3f, // 1.0f
    ...get(a),
    ...simd(extract),
    0,
    ...get(a),
    ...simd(extract),
    1,
    0x92,
    ...get(a),
    ...simd(extract),
    2,
    0x92,
    ...get(a),
    ...simd(extract),
    3,
    0x92,
    0x93,
    0x38,
    0x02,
    0x00,
  ]);
  const code = [
    ...i32(0),
    ...set(R),
    0x02,
    0x40, // block
    0x03,
    0x40, // loop over passes
    ...get(R),
    ...get(COUNT),
    0x4f,
    0x0d,
    0x01, // br_if out of the block when r >= count
    ...get(ROWS),
    ...get(R),
    ...get(STRIDE),
    0x6c,
    0x6a,
    ...set(P),
    ...A.flatMap((a) => [...zero, ...set(a)]),
    ...i32(0),
    ...set(I),
    0x03,
    0x40, // loop over the dimension, 4 floats a step
    ...get(Q),
    ...get(I),
    0x6a,
    ...v128Load,
    ...set(QV),
    ...accumulate,
    ...get(I),
    ...i32(16),
    0x6a,
    0x22,
    I, // local.tee i
    ...get(STRIDE),
    0x49,
    0x0d,
    0x00, // br_if inner loop while i < stride
    0x0b,
    ...store,
    ...get(R),
    ...i32(ROWS_PER_PASS),
    0x6a,
    ...set(R),
    0x0c,
    0x00, // br to the pass loop
    0x0b,
    0x0b,
    0x0b,
  ];
  // Locals after the parameters: 3 i32 (r, i, p), 5 v128 (a0-a3, q).
  const func = [0x02, 0x03, 0x7f, 0x05, 0x7b, ...code];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [0x02, ...name('memory'), 0x02, 0x00, ...name('scan'), 0x00, 0x00]),
    ...section(10, [0x01, ...leb(func.length), ...func]),
  ]);
}

/** The module's function (see `scanModule`). */
type Scan = (query: number, rows: number, count: number, stride: number, out: number) => void;

/** What this file uses of the WebAssembly API (the project's TypeScript libraries do not declare it). */
interface Wasm {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { memory: { buffer: ArrayBuffer; grow(pages: number): number }; scan: Scan } };
}
const wasm = (globalThis as unknown as { WebAssembly?: Wasm }).WebAssembly;

let compiled: object | null | undefined;

/** The module, compiled once; null where this Node has no WebAssembly SIMD. */
function scanCode(): object | null {
  if (compiled === undefined) {
    const bytes = scanModule();
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled;
}

/** `vector` normalized as hnswlib-node's cosine space does it (float32 sum of squares in order, float32 square root and divisions). */
export function hnswNormalized(vector: Float32Array, into: Float32Array = new Float32Array(vector.length)): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum = Math.fround(sum + Math.fround(vector[i]! * vector[i]!));
  const norm = Math.fround(Math.sqrt(Math.abs(sum)));
  for (let i = 0; i < vector.length; i++) into[i] = norm > 0 ? vector[i]! / norm : vector[i]!;
  return into;
}

/** Nearest rows: row numbers and cosine distances, nearest first. */
export interface ExactHits {
  neighbors: number[];
  distances: number[];
}

export class ExactRows {
  private readonly memory: Float32Array;
  private readonly scan: Scan;
  /** Float offsets in `memory` of the query, the rows and the distances. */
  private readonly queryAt = 0;
  private readonly rowsAt: number;
  private readonly outAt: number;
  private readonly passRows: number;
  private readonly best: Int32Array;

  private constructor(
    instance: InstanceType<Wasm['Instance']>,
    private readonly dimension: number,
    readonly size: number,
  ) {
    const memory = instance.exports.memory;
    this.passRows = Math.ceil(size / ROWS_PER_PASS) * ROWS_PER_PASS;
    this.rowsAt = dimension;
    this.outAt = this.rowsAt + this.passRows * dimension;
    const bytes = 4 * (this.outAt + this.passRows);
    memory.grow(Math.max(0, Math.ceil((bytes - memory.buffer.byteLength) / 65536)));
    this.memory = new Float32Array(memory.buffer);
    this.scan = instance.exports.scan;
    this.best = new Int32Array(size);
  }

  /** Rows of `vectors` (row-ordered, `dimension` each) ready to search; undefined where hnswlib must search them (see the file's comment). */
  static create(vectors: Float32Array, dimension: number, check: (query: Float32Array, k: number) => ExactHits): ExactRows | undefined {
    const code = dimension % 16 === 0 ? scanCode() : null;
    const size = Math.floor(vectors.length / dimension);
    if (code === null || size === 0) return undefined;
    const rows = new ExactRows(new wasm!.Instance(code), dimension, size);
    for (let r = 0; r < size; r++) hnswNormalized(vectors.subarray(r * dimension, (r + 1) * dimension), rows.memory.subarray(rows.rowsAt + r * dimension, rows.rowsAt + (r + 1) * dimension));
    // Bit for bit as hnswlib, or not used: its first row as the query, and a row between two.
    const probes = [vectors.subarray(0, dimension), vectors.subarray(0, dimension).map((x, i) => x + (vectors[((size - 1) >> 1) * dimension + i] ?? 0))];
    for (const probe of probes) {
      const k = Math.min(size, 10);
      const ours = rows.search(probe, k);
      const theirs = check(probe, k);
      if (ours.distances.some((d, j) => d !== theirs.distances[j] || ours.neighbors[j] !== theirs.neighbors[j])) return undefined;
    }
    return rows;
  }

  /**
   * The `k` nearest rows that `allowed` allows (all without it), as hnswlib's `searchKnn` returns
   * them: the k least (distance, row) pairs, nearest first.
   */
  search(query: Float32Array, k: number, allowed?: (row: number) => boolean): ExactHits {
    const { memory, dimension, size } = this;
    hnswNormalized(query, memory.subarray(this.queryAt, this.queryAt + dimension));
    this.scan(4 * this.queryAt, 4 * this.rowsAt, this.passRows, 4 * dimension, 4 * this.outAt);
    // The best so far, sorted by (distance, row): rows come in order, so one only enters when strictly nearer than the k-th.
    const best = this.best;
    const out = this.outAt;
    let n = 0;
    for (let row = 0; row < size; row++) {
      const d = memory[out + row]!;
      if (n === k && !(d < memory[out + best[n - 1]!]!)) continue;
      if (allowed !== undefined && !allowed(row)) continue;
      let i = n < k ? n++ : n - 1;
      while (i > 0 && memory[out + best[i - 1]!]! > d) {
        best[i] = best[i - 1]!;
        i--;
      }
      best[i] = row;
    }
    const neighbors = new Array<number>(n);
    const distances = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      neighbors[i] = best[i]!;
      distances[i] = memory[out + best[i]!]!;
    }
    return { neighbors, distances };
  }
}
