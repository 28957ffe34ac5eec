/**
 * Where rich output goes: a Jupyter kernel (display_data / update_display_data messages),
 * or, outside a kernel, a fallback sink (the REPL writes files and prints their paths).
 * `display` modules deliver pictures without knowing what they show.
 */

/** A MIME bundle: mime type → value (strings, base64 for binary, objects for JSON types). */
export type MimeBundle = Record<string, unknown>;

export interface PublishOptions {
  /** Stable id so later publishes with `update: true` replace this output in place. */
  displayId?: string;
  update?: boolean;
}

/** A destination for MIME bundles outside Jupyter (set by the REPL or scripts). */
export type FallbackSink = (bundle: MimeBundle, opts: PublishOptions) => void;

type JupyterWriter = (data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => void;

let fallback: FallbackSink | null = null;

/** Replaces the non-Jupyter sink (the REPL installs one that writes files / draws inline). */
export function setFallbackSink(sink: FallbackSink | null): void {
  fallback = sink;
}

/** The kernel's display writer when running inside the tslab/ganbook kernel, else null. */
export function jupyterWriter(): JupyterWriter | null {
  try {
    // Resolved from the process (the kernel's own tslab), not bundled: outside a kernel it is null.
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: JupyterWriter | null };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** True inside a Jupyter kernel cell. */
export function inKernel(): boolean {
  return jupyterWriter() !== null;
}

/** Sends one MIME bundle to the notebook (or the fallback sink). Returns false if nowhere to send. */
export function publish(bundle: MimeBundle, opts: PublishOptions = {}): boolean {
  const write = jupyterWriter();
  if (write) {
    const data: MimeBundle = {};
    for (const [mime, v] of Object.entries(bundle)) {
      data[mime] = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
    }
    write({ data, metadata: {}, transient: opts.displayId ? { display_id: opts.displayId } : {} }, Boolean(opts.update));
    return true;
  }
  if (fallback) {
    fallback(bundle, opts);
    return true;
  }
  return false;
}
