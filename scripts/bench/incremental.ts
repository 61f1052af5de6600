import { buildIndex } from '../../src/store/build.js';
import { ensureSyntheticIndex, rerunOptions } from './cache.js';
import { SyntheticEmbedder, syntheticModel } from './synthetic.js';
import { vectorsFor } from './cache.js';
import { latency, median, round } from './stats.js';

/** Re-running the build over an unchanged corpus: must finish fast and never ask for the model. */
export async function benchIncremental(size: number, runs: number, log: (l: string) => void) {
  const built = await ensureSyntheticIndex(size, log);
  let modelLoads = 0;
  let embedded = 0;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const report = await buildIndex({
      ...rerunOptions(built),
      model: syntheticModel,
      getEmbedder: async () => {
        modelLoads++;
        return new SyntheticEmbedder(vectorsFor(size));
      },
    });
    ms.push(performance.now() - t);
    embedded += report.embedded;
  }
  return { size, runs, ms: ms.map((x) => round(x, 0)), median: round(median(ms), 0), latency: latency(ms), modelLoads, embedded };
}
