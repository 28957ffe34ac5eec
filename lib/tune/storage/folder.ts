/**
 * The folder format (`<dir>/<name>/study.json` + `trials.jsonl`, each written atomically) and the
 * in-memory store: one process per study. Finished trials are saved at once; an interrupted trial
 * is not recorded, so a resumed study proposes it again.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TrialRecord } from '../trial';
import { checkSameStudy, type Claim, type ClaimRequest, type StudyConfig, type StudySnapshot, type StudyStorage } from './types';

/** Writes a file atomically: a temporary sibling, then rename (readers never see half a file). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** One process's store: a folder per study under `dir`, or memory only when `dir` is null. */
export class FolderStorage implements StudyStorage {
  readonly shared = false;
  readonly description: string;
  private readonly studies = new Map<string, { trials: TrialRecord[]; budget: number | null }>();

  /** @param dir folder holding one sub-folder per study; null keeps studies in memory. */
  constructor(readonly dir: string | null) {
    this.description = dir === null ? 'memory' : path.resolve(dir);
  }

  /** The study's folder, or null in memory. */
  folderOf(name: string): string | null {
    return this.dir === null ? null : path.resolve(this.dir, name);
  }

  /** {@link open} without waiting: the folder format reads and writes synchronously. */
  openSync(config: StudyConfig, opts: { resume: boolean }): TrialRecord[] {
    const trials: TrialRecord[] = [];
    this.studies.set(config.name, { trials, budget: null });
    const dir = this.folderOf(config.name);
    if (!dir) return trials;
    const studyFile = path.join(dir, 'study.json'), trialsFile = path.join(dir, 'trials.jsonl');
    fs.mkdirSync(dir, { recursive: true });
    if (opts.resume && fs.existsSync(studyFile)) {
      checkSameStudy(JSON.parse(fs.readFileSync(studyFile, 'utf8')) as StudyConfig, config, dir);
      if (fs.existsSync(trialsFile)) {
        for (const l of fs.readFileSync(trialsFile, 'utf8').split('\n')) if (l.trim()) trials.push(JSON.parse(l) as TrialRecord);
      }
      return trials;
    }
    writeAtomic(studyFile, `${JSON.stringify(config, null, 2)}\n`);
    writeAtomic(trialsFile, '');
    return trials;
  }

  async open(config: StudyConfig, opts: { resume: boolean }): Promise<TrialRecord[]> {
    return this.openSync(config, opts);
  }

  /** {@link load} without waiting. */
  loadSync(name: string): StudyConfig | null {
    const dir = this.folderOf(name);
    const file = dir && path.join(dir, 'study.json');
    return file && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as StudyConfig : null;
  }

  async load(name: string): Promise<StudyConfig | null> {
    return this.loadSync(name);
  }

  private study(name: string): { trials: TrialRecord[]; budget: number | null } {
    const s = this.studies.get(name);
    if (!s) throw new Error(`Study "${name}" is not open in ${this.description}.`);
    return s;
  }

  async snapshot(name: string): Promise<StudySnapshot> {
    const s = this.study(name);
    return { trials: [...s.trials], budget: s.budget };
  }

  async setBudget(name: string, budget: number): Promise<void> {
    this.study(name).budget = budget;
  }

  async claim(name: string, req: ClaimRequest): Promise<Claim> {
    const { trials } = this.study(name);
    if (req.budget !== null && trials.length >= req.budget) return { trial: null, reason: 'budget', running: 0, lost: [] };
    const number = trials.length;
    const params = req.propose(trials, number);
    if (!params) return { trial: null, reason: 'exhausted', running: 0, lost: [] };
    return { trial: { number, params, state: 'running', value: null, intermediate: [], startedAt: new Date().toISOString(), durationMs: 0 }, running: 0, lost: [] };
  }

  async heartbeat(): Promise<boolean> { return true; }

  async report(): Promise<boolean> { return true; }

  async finish(name: string, trial: TrialRecord): Promise<boolean> {
    const { trials } = this.study(name);
    trials.push(trial);
    const dir = this.folderOf(name);
    if (dir) writeAtomic(path.join(dir, 'trials.jsonl'), trials.map((t) => JSON.stringify(t)).join('\n') + (trials.length ? '\n' : ''));
    return true;
  }

  async abandon(): Promise<void> { /* not recorded: the same proposal runs again on resume */ }

  async close(): Promise<void> { /* nothing held open */ }
}
