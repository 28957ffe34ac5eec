/**
 * Interrupts that reach awaited work: the kernel's interrupt (Jupyter's ■ button, `jupyter
 * console`'s Ctrl+C: SIGINT or `interrupt_request`) aborts {@link interruptSignal}; long loops
 * in the library check it at each step boundary and stop cleanly.
 *
 * **The contract for loops** (the training loop in lib/train, sampling, tuning):
 * 1. take the signal once, when the loop starts: `const signal = opts.signal ?? interruptSignal()`;
 * 2. check `signal.aborted` at each step boundary, never in the middle of a step, so the model
 *    and optimizer state stay consistent;
 * 3. when aborted: finish the step in progress, save a checkpoint, and return normally. The
 *    kernel waits for the cell to return (up to GANBOOK_INTERRUPT_GRACE_MS, 10 s by default),
 *    reports it as `KeyboardInterrupt`, and keeps the cell's declarations (the model, optimizer and
 *    trainer stay usable in the next cell). A cell that does not return in time is abandoned: its
 *    declarations are lost and its work runs on in the background (the kernel says so).
 * The kernel hands each new cell a fresh signal; a signal taken by an interrupted cell stays
 * aborted, so a loop that keeps running after an interrupt can never be revived by the next cell.
 *
 * The state lives on `globalThis[Symbol.for('ganbook.interrupt')]`, shared with the kernel
 * (kernel/layer.js) without an import, and survives tslab recompiling this module.
 * Outside a kernel (scripts, the REPL) nothing aborts it unless {@link requestInterrupt} is called
 * (the REPL calls it on Ctrl+C while a command runs).
 *
 * @example
 * ```ts
 * const signal = interruptSignal();
 * for (let step = 0; step < steps; step++) {
 *   if (signal.aborted) { await saveCheckpoint(); break; }
 *   await trainStep();
 * }
 * ```
 */

const KEY = Symbol.for('ganbook.interrupt');

interface InterruptSlot { controller: AbortController }

function slot(): InterruptSlot {
  const g = globalThis as unknown as Record<symbol, InterruptSlot | undefined>;
  let s = g[KEY];
  if (!s) {
    s = { controller: new AbortController() };
    g[KEY] = s;
  }
  return s;
}

/**
 * The signal of the current cell (or REPL command): aborted when the user interrupts it.
 *
 * @example
 * ```ts
 * const signal = interruptSignal();
 * while (!signal.aborted) await step();
 * ```
 */
export function interruptSignal(): AbortSignal {
  return slot().controller.signal;
}

/** An Error whose name is `KeyboardInterrupt` (what `signal.reason` holds after an interrupt). */
export function interruptedError(message = 'Interrupted'): Error {
  const e = new Error(message);
  e.name = 'KeyboardInterrupt';
  return e;
}

/**
 * Aborts the current signal, as the kernel does on an interrupt (for the REPL, scripts, tests).
 *
 * @example
 * ```ts
 * process.once('SIGINT', () => requestInterrupt());
 * ```
 */
export function requestInterrupt(reason: unknown = interruptedError()): void {
  const c = slot().controller;
  if (!c.signal.aborted) c.abort(reason);
}

/**
 * Gives the next cell / command a fresh signal if the current one was aborted (the kernel calls
 * its equivalent before every cell). Signals already handed out stay aborted.
 *
 * @example
 * ```ts
 * resetInterrupt(); const signal = interruptSignal(); // not aborted
 * ```
 */
export function resetInterrupt(): void {
  const s = slot();
  if (s.controller.signal.aborted) s.controller = new AbortController();
}

/**
 * Throws `signal.reason` (a `KeyboardInterrupt` Error) when aborted: for code that would rather
 * unwind than return.
 *
 * @example
 * ```ts
 * for (const batch of batches) { throwIfInterrupted(); await step(batch); }
 * ```
 */
export function throwIfInterrupted(signal: AbortSignal = interruptSignal()): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : interruptedError();
}

/**
 * Resolves after `ms`, or early (with `false`) when `signal` is aborted: an interruptible sleep.
 *
 * @example
 * ```ts
 * if (!(await interruptibleSleep(1000))) return; // interrupted
 * ```
 */
export function interruptibleSleep(ms: number, signal: AbortSignal = interruptSignal()): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => { clearTimeout(t); resolve(false); };
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
