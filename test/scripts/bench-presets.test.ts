import { describe, expect, it } from 'vitest';
import { choosePresets, formatTable, normalise, parseArgs, PRESETS, summarize, type RoundRecord } from '../../scripts/bench/presets';

// No timing here: the section's argument parsing, summary and table on fake measurements.
describe('bench section "presets" (no training)', () => {
  it('parses flags as npm run bench does and picks the default presets', () => {
    expect(parseArgs(['--with-python', '--wgan-steps', '2', '--presets', 'fc,dcgan', '--json'])).toEqual({ withPython: true, wganSteps: 2, presets: 'fc,dcgan', json: true });
    expect(choosePresets().specs.map((p) => p.name)).toEqual(['fc', 'dcgan', 'strong', 'conditional', 'wgan-gp', 'sngan', 'upsample']);
    expect(choosePresets('all').specs).toHaveLength(PRESETS.length);
    expect(choosePresets('dcgan,nope')).toMatchObject({ specs: [{ name: 'dcgan' }], unknown: ['nope'] });
  });

  it('reads both JSON formats of the framework scripts', () => {
    expect(normalise('keras', { impl: 'keras-tf-2.21.0', msPerStep: 90, cpuMs: 150 })).toMatchObject({ msPerGStep: 90, cpuMs: 150, version: 'keras-tf-2.21.0' });
    expect(normalise('pytorch', { msPerGStep: 700, cpuMsPerStep: 1200 })).toMatchObject({ msPerGStep: 700, cpuMs: 1200 });
  });

  it('takes medians over rounds and ganbook/framework ratios within a round', () => {
    const g = (round: number, ms: number): RoundRecord => ({ round, preset: 'dcgan', impl: 'ganbook',
      m: { impl: 'ganbook', msPerGStep: ms, cpuMs: ms, stepMode: 'fast', nCritic: 1, tensorsBefore: 68, tensorsAfter: 68, params: [1, 2] } });
    const k = (round: number, ms: number): RoundRecord => ({ round, preset: 'dcgan', impl: 'keras', m: { impl: 'keras', msPerGStep: ms, cpuMs: 2 * ms, params: [1, 2] } });
    const records = [g(0, 100), k(0, 50), g(1, 300), k(1, 100), g(2, 120), k(2, 120)];
    const dcgan = PRESETS.find((p) => p.name === 'dcgan')!, sngan = PRESETS.find((p) => p.name === 'sngan')!;
    const out = summarize(records, {
      batch: 64, steps: 10, wganSteps: 3, rounds: 3, impls: ['ganbook', 'keras'], load: 1, notes: ['a note'],
      presets: [{ spec: dcgan, batch: 64, steps: 10 }, { spec: sngan, batch: 64, steps: 10, skipped: 'not yet' }],
    });
    expect(out.presets.dcgan.results.ganbook).toMatchObject({ msPerGStep: 120, cpuMs: 120, stepMode: 'fast', all: [100, 300, 120] });
    expect(out.presets.dcgan.ratios.keras).toEqual({ wall: 2, cpu: 1 }); // rounds: 2, 3, 1 (wall); 1, 1.5, 0.5 (cpu)
    expect(out.presets.dcgan.paramsMatch).toEqual({ keras: true });
    const table = formatTable(out);
    expect(table).toMatch(/dcgan\s+64\s+1 fast\s+68→68\s+120\.0\s+120\.0\s+100\.0\s+200\.0\s+2\.00\s+1\.00 keras same/);
    expect(table).toContain('sngan        skipped: not yet');
    expect(table).toContain('note: a note');
  });
});
