export interface BenchArgs {
  quick: boolean;
  sizes: number[];
  /** Rows to run; all when empty. */
  only: string[];
  /** No --sizes given: the defaults, to which main adds 1M when its index is already cached. */
  defaultSizes: boolean;
}

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`Size "${text}" is not understood: use e.g. 1k, 10k, 100k, 1m or a plain number.`);
  const unit = m[2]!.toLowerCase() === 'k' ? 1000 : m[2]!.toLowerCase() === 'm' ? 1_000_000 : 1;
  return Math.round(Number(m[1]) * unit);
}

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { quick: false, sizes: [], only: [], defaultSizes: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value.`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a.startsWith('--sizes')) args.sizes = value().split(',').map(parseSize);
    else if (a.startsWith('--only')) args.only = value().split(',');
    else throw new Error(`Unknown option ${a}. Usage: npm run bench [-- --quick] [--sizes 1k,10k,100k,1m] [--only embed,incremental,freshness,scale,peer,loop,bot]`);
  }
  if (args.sizes.length === 0) {
    args.defaultSizes = true;
    args.sizes = args.quick ? [1000, 10_000] : [1000, 10_000, 100_000];
  }
  return args;
}
