import { describe, expect, it } from 'vitest';
import { executeNotebook, outputsOf, textOf } from '../helpers/notebooks';

describe('notebooks/07-tuning.ipynb', () => {
  it('runs grid and Bayesian searches of a small GAN in smoke mode, with tables, charts, resume and the retrained winner', async () => {
    const outs = outputsOf(await executeNotebook('07-tuning.ipynb'));
    const text = outs.map(textOf).join('\n');
    expect(text).toContain('budget: 4 trials of 12 steps each');
    expect(text).toMatch(/Study 07-grid \(grid\): 4 trials — \d complete, \d pruned, \d failed; best FID \d+/);
    expect(text).toMatch(/Study 07-bayes \(bayes\): 4 trials — \d complete, \d pruned, \d failed; best FID \d+/);
    expect(text).toMatch(/07-grid +grid +4 /); // comparison table rows
    expect(text).toMatch(/07-bayes +bayes +4 /);
    expect(text).toContain('sameAsLive: true');
    // two tune-worker processes ran the shared (SQLite) study while the notebook watched
    expect(text).toMatch(/worker exit codes: 0, 0 — Study 07-shared \(bayes\): 4 trials/);
    const workersLine = /07-shared: 4 trials by (\d) workers/.exec(text);
    expect(Number(workersLine?.[1])).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/07-shared +bayes +4 /);
    expect(text).toMatch(/07-(grid|bayes): lr=[\d.e-]+, β₁=[\d.]+, FID \d+\.\d/);

    const html = outs.filter((o) => o.data?.['text/html']).map((o) => String(o.data!['text/html']));
    expect(html.some((h) => h.includes('<table') && h.includes('★'))).toBe(true);

    const specs = outs.map((o) => o.data?.['application/vnd.vegalite.v5+json'] as { title?: string } | undefined).filter((s) => s);
    const titles = specs.map((s) => String(s!.title));
    expect(titles).toEqual(expect.arrayContaining([
      'FID per trial (07-grid, grid), with the best so far', 'FID against each hyperparameter (07-grid)',
      'FID per trial (07-bayes, bayes), with the best so far', 'FID against each hyperparameter (07-bayes)',
      'Best FID so far: grid vs Bayesian, 4 trials of 12 steps',
    ]));
    // charts were updated in place to their final state (SVG fallback present for exports)
    for (const o of outs.filter((q) => q.data?.['application/vnd.vegalite.v5+json'])) expect(String(o.data!['image/svg+xml'])).toContain('<svg');
    expect(outs.some((o) => o.data?.['image/png'])).toBe(true);
  }, 300_000); // the kernel compiles lib/ first (about a minute on a busy machine)
});
