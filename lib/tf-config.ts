/**
 * The TensorFlow context configuration ganbook asks for: a few fields of `tensorflow.ConfigProto`
 * (tensorflow/core/protobuf/config.proto), serialized by hand and handed to the native binding
 * through the `GANBOOK_TF_CONFIG` environment variable (hex), which ganbook's patched binding
 * reads when it creates TensorFlow's eager context (scripts/binding-patch.js).
 *
 * Why: TensorFlow's thread pools spin while they wait for work. The training engine issues its
 * kernels one after another from JavaScript, so between two kernels the pool's threads spin,
 * burning CPU time that a step does not use (docs/speed.md, "Thread spinning"). ganbook turns
 * spinning off unless `GANBOOK_THREAD_SPINNING=1`.
 *
 * Environment: `GANBOOK_THREAD_SPINNING` (`0` default, `1` TensorFlow's own behaviour),
 * `GANBOOK_INTRA_OP_THREADS`, `GANBOOK_INTER_OP_THREADS` (integers ≥ 0; 0 or unset = TensorFlow
 * picks, one per core). A `GANBOOK_TF_CONFIG` already set is left as it is.
 */

import { ProtoWriter } from './protobuf';

/** The ConfigProto fields ganbook sets. */
export interface TfContextConfig {
  /** Let idle pool threads spin (TensorFlow's default) instead of sleeping. */
  threadSpinning: boolean;
  /** `intra_op_parallelism_threads` (field 2): threads one kernel may use; 0 = one per core. */
  intraOpThreads: number;
  /** `inter_op_parallelism_threads` (field 5): kernels run at once; 0 = one per core. */
  interOpThreads: number;
}


/**
 * Serializes the config as protobuf wire bytes, fields in number order (as protobuf writes them):
 * 2 `intra_op_parallelism_threads`, 5 `inter_op_parallelism_threads`, 16 `experimental` →
 * 9 `disable_thread_spinning`. Fields at their default are left out (an empty config is `''`).
 *
 * @returns lowercase hex, e.g. `'8201024801'` for spinning off (what Python's
 *   `ConfigProto(experimental=dict(disable_thread_spinning=True)).SerializeToString()` gives).
 * @throws Error when a thread count is not an integer in [0, 2^31).
 * @example
 * ```ts
 * tfConfigHex({ threadSpinning: false, intraOpThreads: 0, interOpThreads: 0 }); // '8201024801'
 * ```
 */
export function tfConfigHex(c: TfContextConfig): string {
  const config = new ProtoWriter();
  for (const [field, value, name] of [[2, c.intraOpThreads, 'intraOpThreads'], [5, c.interOpThreads, 'interOpThreads']] as const) {
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** 31) throw new Error(`Expected ${name} to be an integer ≥ 0; got ${value}.`);
    if (value > 0) config.int(field, value);
  }
  if (!c.threadSpinning) config.message(16, new ProtoWriter().bool(9, true));
  return config.bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Reads `GANBOOK_THREAD_SPINNING`, `GANBOOK_INTRA_OP_THREADS`, `GANBOOK_INTER_OP_THREADS`.
 *
 * @throws Error naming the variable when one is set to something else than documented.
 * @example
 * ```ts
 * tfConfigFromEnv({ GANBOOK_INTRA_OP_THREADS: '1' }); // { threadSpinning: false, intraOpThreads: 1, interOpThreads: 0 }
 * ```
 */
export function tfConfigFromEnv(env: Record<string, string | undefined> = process.env): TfContextConfig {
  const spin = env.GANBOOK_THREAD_SPINNING ?? '0';
  if (spin !== '0' && spin !== '1') throw new Error(`GANBOOK_THREAD_SPINNING must be 0 or 1; got "${spin}".`);
  const threads = (name: string): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return 0;
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n >= 2 ** 31) throw new Error(`${name} must be a whole number of threads (0 = one per core); got "${raw}".`);
    return n;
  };
  return { threadSpinning: spin === '1', intraOpThreads: threads('GANBOOK_INTRA_OP_THREADS'), interOpThreads: threads('GANBOOK_INTER_OP_THREADS') };
}
