/**
 * The live training view: a progress bar (step, ETA, images/s, losses), the fixed-noise sample
 * grid and the loss chart, each one notebook output replaced in place (`showLive` handles).
 */
import type { Tensor } from '../backend';
import { showLive, type DisplayHandle } from '../display/show';
import { lossChart, type LossPoint } from '../plot/charts-train';

/** What the progress bar shows. */
export interface ProgressInfo {
  step: number;
  /** Step at which this fit() ends. */
  endStep: number;
  /** Steps done in this fit() and the seconds they took. */
  done: number;
  seconds: number;
  imagesPerSecond: number;
  dLoss?: number;
  gLoss?: number;
  note?: string;
}

function hms(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
}

/**
 * A progress bar as a displayable object (HTML `<progress>` + a text line).
 *
 * @example
 * ```ts
 * await show(progressBar({ step: 50, endStep: 100, done: 50, seconds: 10, imagesPerSecond: 320 }));
 * ```
 */
export function progressBar(p: ProgressInfo): { toMimeBundle(): Record<string, unknown>; text: string } {
  const total = p.endStep - (p.step - p.done);
  const frac = total > 0 ? p.done / total : 1;
  const eta = p.done > 0 ? (p.seconds / p.done) * (p.endStep - p.step) : NaN;
  const losses = p.dLoss !== undefined ? ` · D ${p.dLoss.toFixed(3)} · G ${(p.gLoss ?? NaN).toFixed(3)}` : '';
  const text = `step ${p.step}/${p.endStep} (${(frac * 100).toFixed(0)}%) · ${hms(p.seconds)} elapsed · ETA ${hms(eta)} · `
    + `${p.imagesPerSecond.toFixed(0)} images/s${losses}${p.note ? ` · ${p.note}` : ''}`;
  return {
    text,
    toMimeBundle: () => ({
      'text/html': `<div style="font-family:monospace"><progress value="${p.done}" max="${Math.max(total, 1)}" style="width:240px"></progress> ${text}</div>`,
      'text/plain': text,
    }),
  };
}

/** Three in-place outputs: progress, samples, losses. */
export class LiveView {
  private constructor(private readonly bar: DisplayHandle, private samplesH: DisplayHandle | null, private chartH: DisplayHandle | null, private readonly title: string) {}

  /** Opens the progress output (sample and chart outputs appear on their first update). */
  static async open(title: string, first: ProgressInfo): Promise<LiveView> {
    return new LiveView(await showLive(progressBar(first)), null, null, title);
  }

  async progress(p: ProgressInfo): Promise<void> {
    await this.bar.update(progressBar(p));
  }

  /** Shows/updates the fixed-noise sample grid (`[n, h, w, c]` in [-1, 1]). */
  async samples(images: Tensor): Promise<void> {
    if (!this.samplesH) this.samplesH = await showLive(images, { range: [-1, 1] });
    else await this.samplesH.update(images, { range: [-1, 1] });
  }

  /** Shows/updates the loss chart (`final` adds the SVG fallback for static exports). */
  async losses(history: LossPoint[], final = false): Promise<void> {
    const spec = lossChart(history, { title: `${this.title}: losses` });
    if (!this.chartH) this.chartH = await showLive(spec, { svgFallback: final });
    else await this.chartH.update(spec, { svgFallback: final });
  }
}
