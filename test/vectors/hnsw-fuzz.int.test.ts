import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { VectorStore } from '../../src/vectors/hnsw-store.js';
import { mulberry32 } from '../../scripts/lib/random.js';

/**
 * Fuzzes the patched graph loader (patches/hnswlib-node+3.0.0.patch): damaged copies of a saved graph
 * are loaded in child processes, and each must either load (and then survive searches, removals and
 * inserts) or be refused with INDEX_CORRUPT. A child that dies on a signal fails the test with the
 * seed of the copy it was loading; `FUZZ_SEEDS=a-b` reruns a range.
 */

const root = path.resolve(import.meta.dirname, '../..');
const child = path.join(import.meta.dirname, 'fuzz-child.ts');
const dim = 16;
/** A small M, so that many elements have upper levels and their link lists are fuzzed too. */
const m = 6;
const [firstSeed, lastSeed] = (process.env.FUZZ_SEEDS ?? '1-400').split('-').map(Number) as [number, number];
const CHILDREN = 2;
/** No output from a child for this long (start-up included) means it is stuck. */
const STUCK_MS = 15_000;

/** hnswlib's saveIndex header: offsets of its fields (size_t unless noted). */
const header = {
  offsetLevel0: 0,
  maxElements: 8,
  count: 16,
  perElement: 24,
  labelOffset: 32,
  offsetData: 40,
  maxLevel: 48, // int32
  entryPoint: 52, // uint32
  maxM: 56,
  maxM0: 64,
  M: 72,
  mult: 80, // double
  efConstruction: 88,
  bytes: 96,
} as const;

/** A graph of 400 random vectors with some removed, renumbered and saved, as a build leaves it. */
async function savedGraph(dir: string): Promise<Buffer> {
  const random = mulberry32(1);
  const vectors = Array.from({ length: 400 }, () => Float32Array.from({ length: dim }, () => random() - 0.5));
  const store = await VectorStore.create(dim, vectors.length, { m, efConstruction: 40 });
  store.addMany(vectors.map((_, label) => label), vectors, 1);
  for (let label = 0; label < vectors.length; label += 13) store.remove(label);
  store.renumber();
  const file = path.join(dir, 'original.hnsw');
  await store.save(file);
  store.release();
  return fs.readFileSync(file);
}

/**
 * A damaged copy of `original`, chosen by `seed`: bytes flipped anywhere, a header field, a link count,
 * link or label of the bottom layer, or an upper layer's word set to a value near a bound, a truncation,
 * a zeroed range, or four 64-byte runs of random bytes; sometimes two of them.
 */
function damaged(original: Buffer, seed: number): Buffer {
  const random = mulberry32(seed * 7919);
  const below = (n: number): number => Math.floor(random() * n);
  const count = Number(original.readBigUInt64LE(header.count));
  const perElement = Number(original.readBigUInt64LE(header.perElement));
  const labelOffset = Number(original.readBigUInt64LE(header.labelOffset));
  const maxM0 = Number(original.readBigUInt64LE(header.maxM0));
  const upperAt = header.bytes + count * perElement;
  const nearBounds = (): number => {
    const values = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0xffffffff, count - 1, count, count + 1, maxM0, maxM0 + 1, m, m + 1];
    return random() < 0.8 ? values[below(values.length)]! : below(2 ** 32);
  };
  let bytes = Buffer.from(original);
  const word = (at: number, value: number): void => {
    if (at + 4 <= bytes.length) bytes.writeUInt32LE(value >>> 0, at);
  };
  const kinds = 1 + (random() < 0.2 ? 1 : 0);
  for (let n = 0; n < kinds; n++) {
    switch (below(8)) {
      case 0:
        for (let i = 1 + below(4); i > 0 && bytes.length > 0; i--) {
          const at = below(bytes.length);
          bytes[at] = bytes[at]! ^ (1 << below(8));
        }
        break;
      case 1: {
        const fields = Object.values(header).filter((at) => at < header.bytes);
        const at = fields[below(fields.length)]!;
        // Low word or high word of the field: sizes, counts and ids near their bounds, or any bits.
        word(at + (random() < 0.8 ? 0 : 4), nearBounds());
        break;
      }
      case 2: {
        const element = header.bytes + below(count) * perElement;
        const target = random();
        if (target < 0.4) word(element, nearBounds());
        else if (target < 0.8) word(element + 4 + 4 * below(maxM0), nearBounds());
        else word(element + labelOffset + (random() < 0.7 ? 0 : 4), nearBounds());
        break;
      }
      case 3:
        word(upperAt + 4 * below(Math.max(0, bytes.length - upperAt) / 4), nearBounds());
        break;
      case 4:
        bytes = bytes.subarray(0, below(bytes.length));
        break;
      case 5: {
        const at = below(bytes.length);
        bytes.fill(0, at, Math.min(bytes.length, at + 1 + below(4096)));
        break;
      }
      case 6:
        for (let i = 0; i < 4; i++) {
          const at = below(bytes.length);
          for (let j = at; j < Math.min(bytes.length, at + 64); j++) bytes[j] = below(256);
        }
        break;
      default:
        bytes[header.bytes + below(Math.max(0, bytes.length - header.bytes))] = below(256);
    }
  }
  return bytes;
}

interface Outcome {
  seed: number;
  outcome: 'loaded' | 'refused';
  detail: string;
}

interface Case {
  seed: number;
  file: string;
}

interface Crash {
  seed: number;
  how: string;
  stderr: string;
}

/** Runs one child over `cases` in order; resolves with the outcomes it reported and, if it died, how and where. */
function runChild(dir: string, name: string, cases: Case[]): Promise<{ outcomes: Outcome[]; crash?: Crash }> {
  const jobFile = path.join(dir, `${name}.json`);
  fs.writeFileSync(jobFile, JSON.stringify({ dim, m, cases }));
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', child, jobFile], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // A case that takes this long is stuck (a loop over a damaged graph): the child is killed.
    let hung = false;
    let watchdog = setTimeout(() => ((hung = true), proc.kill('SIGKILL')), STUCK_MS);
    proc.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      clearTimeout(watchdog);
      watchdog = setTimeout(() => ((hung = true), proc.kill('SIGKILL')), STUCK_MS);
    });
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(watchdog);
      const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Partial<Outcome> & { start?: boolean; done?: boolean });
      const outcomes = lines.filter((l): l is Outcome => l.outcome !== undefined);
      if (lines.some((l) => l.done) && code === 0) return resolve({ outcomes });
      const how = hung ? `stuck for ${STUCK_MS} ms` : signal ? `signal ${signal}` : `exit code ${code}`;
      // The case it had started last (or, if it died on its way out, the last of them).
      const seed = lines.filter((l) => l.start).at(-1)?.seed ?? cases[0]!.seed;
      resolve({ outcomes, crash: { seed, how, stderr: stderr.slice(-1000) } });
    });
  });
}

/** Runs `cases` through children until each has an outcome or crashed its child: a crash restarts after it. */
async function runAll(dir: string, name: string, cases: Case[]): Promise<{ outcomes: Outcome[]; crashes: Crash[] }> {
  const outcomes: Outcome[] = [];
  const crashes: Crash[] = [];
  let left = cases;
  for (let run = 0; left.length > 0; run++) {
    const result = await runChild(dir, `${name}-${run}`, left);
    outcomes.push(...result.outcomes);
    if (!result.crash) break;
    crashes.push(result.crash);
    left = left.slice(left.findIndex((c) => c.seed === result.crash!.seed) + 1);
  }
  return { outcomes, crashes };
}

describe('the patched hnswlib loader on damaged graphs (child processes)', () => {
  it(`loads or cleanly refuses every damaged copy, seeds ${firstSeed}-${lastSeed}, and never crashes`, { timeout: 600_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-hnsw-fuzz-'));
    const original = await savedGraph(dir);
    const seeds = Array.from({ length: lastSeed - firstSeed + 1 }, (_, i) => firstSeed + i);
    const shares = Array.from({ length: CHILDREN }, (_, c) =>
      seeds.filter((_, i) => i % CHILDREN === c).map((seed): Case => {
        const file = path.join(dir, `seed-${seed}.hnsw`);
        fs.writeFileSync(file, damaged(original, seed));
        return { seed, file };
      }),
    );
    // The undamaged graph loads, so a refusal below is the damage's doing.
    const control: Case[] = [{ seed: 0, file: path.join(dir, 'original.hnsw') }];

    const [controlRun, ...runs] = await Promise.all([runAll(dir, 'control', control), ...shares.map((cases, c) => runAll(dir, `child-${c}`, cases))]);
    expect(controlRun!.crashes).toEqual([]);
    expect(controlRun!.outcomes).toEqual([{ seed: 0, outcome: 'loaded', detail: 'ok' }]);
    const crashes = runs.flatMap((run) => run.crashes).sort((a, b) => a.seed - b.seed);
    const report = crashes.map((c) => `seed ${c.seed}: ${c.how}`).join(', ');
    expect(crashes, `children died on the copies of ${report}; rerun one with FUZZ_SEEDS=n-n\n${crashes[0]?.stderr ?? ''}`).toEqual([]);
    const outcomes = runs.flatMap((run) => run.outcomes);
    expect(outcomes.map((o) => o.seed).sort((a, b) => a - b)).toEqual(seeds);
    for (const o of outcomes) {
      // Refused with the file's name and what the loader found wrong in it.
      if (o.outcome === 'refused') expect(o.detail, `seed ${o.seed}`).toMatch(new RegExp(`^${ErrorCodes.INDEX_CORRUPT}: The vector index \\S+/seed-${o.seed}\\.hnsw could not be read: \\S`));
      else expect(o.detail, `seed ${o.seed}`).toMatch(/^(ok|error while used: .*)$/);
    }
    const refused = outcomes.filter((o) => o.outcome === 'refused').length;
    if (process.env.FUZZ_SUMMARY) {
      const kinds = new Map<string, number>();
      for (const o of outcomes) {
        const kind = `${o.outcome} ${o.detail.replace(/\d+/g, 'N').replace(/\/\S+/g, 'FILE')}`;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      console.log([...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}\t${k}`).join('\n'));
    }
    // Most damage lands on structure the loader checks; a test whose copies all load checks nothing.
    expect(refused).toBeGreaterThan(seeds.length / 3);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
