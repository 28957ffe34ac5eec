/**
 * TensorBoard event files, read just enough to keep a run's log exact: each file is a sequence
 * of TFRecords (`uint64 length, uint32 masked CRC of the length, data, uint32 masked CRC of the
 * data`; tensorflow/core/lib/io/record_writer.cc), each data an `Event` protobuf whose field 2 is
 * the step (tensorflow/core/util/event.proto). Records are copied verbatim (CRCs included), so no
 * re-encoding is needed to drop the events of steps that will be redone.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The step of an Event record (field 2, varint), or null (file_version and other step-less events). */
export function eventStep(data: Buffer): number | null {
  let i = 0;
  const varint = (): number => {
    let result = 0, shift = 0, b: number;
    do {
      b = data[i++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80 && i < data.length);
    return result;
  };
  while (i < data.length) {
    const tag = varint(), field = Math.floor(tag / 8), wire = tag & 7;
    if (field === 2 && wire === 0) return varint();
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 2) i += varint();
    else if (wire === 5) i += 4;
    else return null; // not an Event we understand
  }
  return null;
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
