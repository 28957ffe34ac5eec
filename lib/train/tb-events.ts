/**
 * TensorBoard event files, read just enough to keep a run's log exact: each file is a sequence
 * of TFRecords (`uint64 length, uint32 masked CRC of the length, data, uint32 masked CRC of the
 * data`; tensorflow/core/lib/io/record_writer.cc), each data an `Event` protobuf whose field 2 is
 * the step (tensorflow/core/util/event.proto). Records are copied verbatim (CRCs included), so no
 * re-encoding is needed to drop the events of steps that will be redone.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readFields } from '../protobuf';

/** The step of an Event record (field 2, varint), or null (file_version and other step-less events). */
export function eventStep(data: Buffer): number | null {
  let step: number | null = null;
  try {
    readFields(data, (field, wire, value) => {
      if (field !== 2 || wire !== 0) return true;
      step = value as number;
      return false;
    });
  } catch {
    return null; // not an Event we understand
  }
  return step;
}

/** The records of an event file (a record cut short by a kill ends the list). */
export function readRecords(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const out: Buffer[] = [];
  let i = 0;
  while (i + 12 <= buf.length) {
    const len = Number(buf.readBigUInt64LE(i));
    if (i + 12 + len + 4 > buf.length) break;
    out.push(buf.subarray(i, i + 12 + len + 4));
    i += 12 + len + 4;
  }
  return out;
}

/**
 * Drops the events with step > `step` from every event file in `dir` (rewritten atomically).
 * Returns the number of events dropped.
 */
export function truncateEventsAfter(dir: string, step: number): number {
  if (!fs.existsSync(dir)) return 0;
  let dropped = 0;
  for (const name of fs.readdirSync(dir).filter((n) => n.includes('tfevents'))) {
    const file = path.join(dir, name);
    const records = readRecords(file);
    const keep = records.filter((r) => {
      const s = eventStep(r.subarray(12, r.length - 4));
      return s === null || s <= step;
    });
    const size = fs.statSync(file).size, kept = keep.reduce((a, r) => a + r.length, 0);
    if (keep.length === records.length && kept === size) continue;
    dropped += records.length - keep.length;
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, Buffer.concat(keep));
    fs.renameSync(tmp, file);
  }
  return dropped;
}
