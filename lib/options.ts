/**
 * Checks option objects as a user types them: unknown names are rejected with a "did you mean"
 * hint, every value's type and range is checked up front with an error naming the field — so a
 * typo (`learningRate`, `batch_size`) or a string (`beta1: '0.5'`, `fastStep: 'false'`) fails at
 * once, not silently or deep inside TensorFlow.
 */

/** How one option is checked: its kind and, for numbers, its range. */
export type OptionSpec =
  | { kind: 'number'; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean; note?: string }
  | { kind: 'boolean'; or?: readonly string[] }
  | { kind: 'string'; nullable?: boolean }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'object' | 'function' | 'array' | 'signal' };

/** Names people type for an option, mapped to ganbook's (checked before the edit distance). */
const ALIASES: Record<string, string> = {
  learningRate: 'lrG and lrD', lr: 'lrG and lrD', learning_rate: 'lrG and lrD', batch_size: 'batchSize', batch: 'batchSize',
  checkpoint_every: 'checkpointEvery', n_critic: 'nCritic', ncritic: 'nCritic', gp_weight: 'gpWeight', lambda: 'gpWeight',
  label_smoothing: 'labelSmoothing', sample_every: 'sampleEvery', log_every: 'logEvery', epoch: 'epochs', step: 'steps', loss: 'objective',
};

function editDistance(a: string, b: string): number {
  const x = a.toLowerCase(), y = b.toLowerCase();
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...new Array(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
  }
  return d[x.length][y.length];
}

/** "did you mean …" for an unknown name, or ''. */
export function didYouMean(name: string, known: readonly string[]): string {
  const alias = ALIASES[name];
  if (alias && (known.includes(alias) || alias.split(' and ').every((a) => known.includes(a)))) return ` Did you mean ${alias}?`;
  let best = '', dist = Infinity;
  for (const k of known) {
    const dd = editDistance(name.replace(/_/g, ''), k);
    if (dd < dist) { dist = dd; best = k; }
  }
  return dist <= Math.max(2, Math.floor(name.length / 3)) ? ` Did you mean ${best}?` : '';
}

/**
 * A value as an error message shows it: strings quoted (so `'32'` reads `"32"`, not the number),
 * numbers as `String` does (NaN, Infinity), short arrays and plain objects as JSON, and what JSON
 * would hide or bloat by its kind (a function, a typed array, a tensor `[shape]`, an array of n).
 *
 * @example
 * ```ts
 * showValue('32');           // '"32"'
 * showValue(NaN);            // 'NaN'
 * showValue([0.5, 0.5, 0]);  // '[0.5,0.5,0]'
 * ```
 */
export function showValue(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (ArrayBuffer.isView(v)) return 'a typed array';
  if (v !== null && typeof v === 'object' && 'shape' in v && 'dtype' in v) return `a tensor [${String((v as { shape: unknown }).shape)}]`;
  if (typeof v === 'number' || v === undefined || typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  try {
    const j = JSON.stringify(v, (_, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
    return Array.isArray(v) && j.length > 60 ? `an array of ${v.length}` : j ?? String(v);
  } catch {
    return String(v); // cyclic objects
  }
}
const show = showValue;

/**
 * Checks `opts` against `specs`; `what` names the object in messages (`'GanTrainer option'`).
 * `undefined` values count as absent.
 *
 * @throws Error naming the first unknown or ill-typed field, with what to do.
 * @example
 * ```ts
 * checkOptions({ batch_size: 64 }, { batchSize: { kind: 'number', integer: true, min: 1 } }, 'GanTrainer option');
 * // Error: Unknown GanTrainer option "batch_size". Did you mean batchSize? Known: batchSize.
 * ```
 */
export function checkOptions(opts: object, specs: Record<string, OptionSpec>, what: string): void {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) throw new Error(`Expected ${what}s as an object; got ${show(opts)}.`);
  const known = Object.keys(specs);
  for (const [k, v] of Object.entries(opts)) {
    const spec = specs[k];
    if (!spec) throw new Error(`Unknown ${what} ${JSON.stringify(k)}.${didYouMean(k, known)} Known: ${known.join(', ')}.`);
    if (v === undefined) continue;
    const bad = (expected: string) => new Error(`Expected ${what} ${k} ${expected}; got ${show(v)}${typeof v === 'string' && spec.kind !== 'string' && spec.kind !== 'enum' ? ' (a string)' : ''}.`);
    switch (spec.kind) {
      case 'number': {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`a finite number${spec.note ? ` (${spec.note})` : ''}`);
        if (spec.integer && !Number.isInteger(v)) throw bad('an integer');
        const lo = spec.min, hi = spec.max;
        if (lo !== undefined && (spec.minExclusive ? v <= lo : v < lo)) throw bad(`${spec.minExclusive ? '>' : '>='} ${lo}${spec.note ? ` (${spec.note})` : ''}`);
        if (hi !== undefined && (spec.maxExclusive ? v >= hi : v > hi)) throw bad(`${spec.maxExclusive ? '<' : '<='} ${hi}${spec.note ? ` (${spec.note})` : ''}`);
        break;
      }
      case 'boolean':
        if (typeof v !== 'boolean' && !spec.or?.includes(v as string)) throw bad(spec.or ? `true, false or ${spec.or.map((x) => JSON.stringify(x)).join(' or ')}` : 'true or false');
        break;
      case 'string': if (!(typeof v === 'string' || (spec.nullable && v === null))) throw bad(spec.nullable ? 'a string or null' : 'a string'); break;
      case 'enum': if (!spec.values.includes(v as string)) throw bad(`one of ${spec.values.map((x) => JSON.stringify(x)).join(', ')}`); break;
      case 'function': if (typeof v !== 'function') throw bad('a function'); break;
      case 'array': if (!Array.isArray(v)) throw bad('an array'); break;
      case 'signal': if (!(typeof v === 'object' && v !== null && 'aborted' in v)) throw bad('an AbortSignal'); break;
      case 'object': if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('an object'); break;
    }
  }
}

/** An integer option ≥ `min` (`note` is shown in its error message). */
export const intOption = (min: number, note?: string): OptionSpec => ({ kind: 'number', integer: true, min, note });
const int = intOption;
const unit = (note: string): OptionSpec => ({ kind: 'number', min: 0, max: 1, maxExclusive: true, note });

/** Every `GanTrainer` option (see `TrainerOptions`). */
export const TRAINER_OPTIONS: Record<string, OptionSpec> = {
  objective: { kind: 'object' }, step: { kind: 'function' },
  batchSize: int(1), lrG: { kind: 'number', min: 0, minExclusive: true }, lrD: { kind: 'number', min: 0, minExclusive: true },
  beta1: unit('Adam β₁'), beta2: unit('Adam β₂'), labelSmoothing: unit('one-sided, real targets 1 − s'),
  nCritic: int(1), gpWeight: { kind: 'number', min: 0 }, r1Gamma: { kind: 'number', min: 0 },
  lrDecay: { kind: 'object' }, ema: unit('decay, 0 = off'), emaWarmup: { kind: 'boolean' }, seed: { kind: 'number', integer: true },
  range: { kind: 'enum', values: ['[0,1]', '[-1,1]'] }, runsDir: { kind: 'string', nullable: true }, name: { kind: 'string' },
  checkpointEvery: int(0, 'steps, 0 = only at the end'), keepCheckpoints: int(1), sampleEvery: int(0, 'steps, 0 = off'),
  numSamples: int(1), logEvery: int(1, 'steps'), tensorboard: { kind: 'boolean' }, pricePerHour: { kind: 'number', min: 0 },
  live: { kind: 'boolean' }, liveEvery: int(1, 'steps'), callbacks: { kind: 'array' }, fastStep: { kind: 'boolean', or: ['portable'] }, compile: { kind: 'boolean' },
  diffAugment: { kind: 'string' }, classBalance: { kind: 'number', min: 0, max: 1, note: '0 = every image equally, 1 = every class equally' },
};

/** `fit()`'s arguments. */
export const FIT_OPTIONS: Record<string, OptionSpec> = {
  steps: int(0), epochs: { kind: 'number', min: 0, note: 'may be fractional' }, signal: { kind: 'signal' },
  live: { kind: 'boolean' }, callbacks: { kind: 'array' },
};
