import { describe, expect, it } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { root } from '../helpers/notebooks';

/** Runs `npm run train-classifier -- …args` (the script itself, through ts-node). */
function trainClassifier(...args: string[]) {
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(root, 'scripts', 'train-classifier.ts'), ...args],
    { cwd: root, encoding: 'utf8', timeout: 300e3 });
}

describe('npm run train-classifier', () => {
  it('--validate holds out a fifth of each category\'s training emoji, trains on the rest and writes nothing', () => {
    const committed = fs.statSync(path.join(root, 'datasets', 'classifiers', 'emoji', 'weights.bin')).mtimeMs;
    const r = trainClassifier('emoji', '--validate', '--epochs=1', '--filters=4,4,4', '--balanced', '--shift', '--flip');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // 5,998 training images: 1,140 (of held-out training emoji) + 4,858 — every image on one side.
    expect(r.stdout).toMatch(/--validate: 1140 images of held-out training emoji/);
    expect(r.stdout).toMatch(/emoji: 4858 training images, \d+ parameters, 1 epochs, class weights( \d\.\d\d){9}/);
    expect(r.stdout).toMatch(/epoch 1\/1: loss \d\.\d+, validation accuracy 0\.\d+, balanced 0\.\d+/);
    expect(r.stdout).toMatch(/--validate: nothing written/);
    expect(fs.statSync(path.join(root, 'datasets', 'classifiers', 'emoji', 'weights.bin')).mtimeMs).toBe(committed);
  });

  it('refuses unknown options and malformed filters, saying what it expects', () => {
    const a = trainClassifier('emoji', '--validat');
    expect(a.status).not.toBe(0);
    expect(a.stderr).toMatch(/Unknown option\(s\) --validat; see the usage at the top of scripts\/train-classifier\.ts/);
    const b = trainClassifier('emoji', '--filters=32,64');
    expect(b.status).not.toBe(0);
    expect(b.stderr).toMatch(/--filters for emoji expects 3 widths \(one per conv stage\); got 32,64\./);
    const c = trainClassifier('mnist', '--filters=24,x');
    expect(c.stderr).toMatch(/--filters expects positive integers \(emoji: three, such as 32,64,128; the MNISTs: two\); got "--filters=24,x"/);
  });
});
