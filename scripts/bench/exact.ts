import fs from 'node:fs';

/**
 * Reads every stored vector straight out of an hnswlib index file (level-0 block: links, vector,
 * label per element), so exact search sees the very vectors HNSW holds (cosine space: normalized).
 */
export function readHnswVectors(file: string): { dimension: number; count: number; data: Float32Array; labels: Int32Array } {
  const buf = fs.readFileSync(file);
  const u64 = (o: number): number => Number(buf.readBigUInt64LE(o));
  const offsetLevel0 = u64(0);
  const count = u64(16);
  const sizePerElement = u64(24);
  const labelOffset = u64(32);
  const offsetData = u64(40);
  const dimension = (labelOffset - offsetData) / 4;
  const base = 96 + offsetLevel0;
  const data = new Float32Array(count * dimension);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const at = base + i * sizePerElement;
    const row = new Float32Array(buf.buffer.slice(buf.byteOffset + at + offsetData, buf.byteOffset + at + offsetData + dimension * 4));
    data.set(row, i * dimension);
    labels[i] = u64(at + labelOffset);
  }
  return { dimension, count, data, labels };
}

/** Labels of the k nearest vectors by dot product (= cosine, vectors are normalized). */
export function exactTopK(m: { dimension: number; count: number; data: Float32Array; labels: Int32Array }, query: Float32Array, k: number): number[] {
  const { dimension, count, data } = m;
  const best: { i: number; s: number }[] = [];
  let floor = -Infinity;
  for (let i = 0; i < count; i++) {
    let s = 0;
    const o = i * dimension;
    for (let d = 0; d < dimension; d++) s += data[o + d]! * query[d]!;
    if (best.length < k || s > floor) {
      best.push({ i, s });
      best.sort((a, b) => b.s - a.s);
      if (best.length > k) best.pop();
      floor = best[best.length - 1]!.s;
    }
  }
  return best.map(({ i }) => m.labels[i]!);
}
