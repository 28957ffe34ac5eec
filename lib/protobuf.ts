/**
 * The protobuf wire format, written and read by hand for the few small, fixed TensorFlow messages
 * ganbook handles: the eager context's `ConfigProto` (lib/tf-config.ts), TensorBoard `Event`
 * records (lib/train/tb-events.ts), and the `FunctionDef` / `OpList` of compiled steps
 * (lib/train/engine/function-def.ts). Wire types: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit
 * (https://protobuf.dev/programming-guides/encoding/).
 */

/**
 * Builds one message, fields in the order written.
 *
 * @example
 * ```ts
 * new ProtoWriter().message(16, new ProtoWriter().bool(9, true)).bytes; // [0x82, 0x01, 0x02, 0x48, 0x01]
 * ```
 */
export class ProtoWriter {
  readonly bytes: number[] = [];
  /** A varint; negative numbers as 64-bit two's complement (int64 fields). */
  varint(n: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) { this.bytes.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
    this.bytes.push(Number(v));
    return this;
  }
  private tag(field: number, wire: number) { return this.varint((field << 3) | wire); }
  int(field: number, n: number | bigint): this { return this.tag(field, 0).varint(n); }
  bool(field: number, b: boolean): this { return this.int(field, b ? 1 : 0); }
  float(field: number, x: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    this.bytes.push(...b);
    return this;
  }
  raw(field: number, data: ArrayLike<number>): this {
    this.tag(field, 2).varint(data.length);
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
    return this;
  }
  string(field: number, s: string): this { return this.raw(field, new TextEncoder().encode(s)); }
  message(field: number, m: ProtoWriter): this { return this.raw(field, m.bytes); }
  /** One entry of a `map<string, string | message>` field. */
  entry(field: number, key: string, value: string | ProtoWriter): this {
    const e = new ProtoWriter().string(1, key);
    if (typeof value === 'string') e.string(2, value); else e.message(2, value);
    return this.message(field, e);
  }
}

/**
 * Calls `visit(field, wire, value)` for each field of a message (`value`: the number of a varint,
 * the bytes of a length-delimited field; 64- and 32-bit fields are skipped). `visit` returning
 * `false` stops the walk.
 *
 * @throws Error on a wire type other than 0, 1, 2, 5 (not a message this reader understands).
 * @example
 * ```ts
 * readFields(Uint8Array.from([0x10, 0x07]), (f, w, v) => console.log(f, w, v)); // 2 0 7
 * ```
 */
export function readFields(buf: Uint8Array, visit: (field: number, wire: number, value: number | Uint8Array) => boolean | void): void {
  let i = 0;
  const varint = (): number => {
    let r = 0, mul = 1, b: number;
    do { b = buf[i++]; r += (b & 0x7f) * mul; mul *= 128; } while (b & 0x80 && i < buf.length);
    return r;
  };
  while (i < buf.length) {
    const key = varint(), field = Math.floor(key / 8), wire = key & 7;
    let go: boolean | void = true;
    if (wire === 0) go = visit(field, wire, varint());
    else if (wire === 2) { const n = varint(); go = visit(field, wire, buf.subarray(i, i + n)); i += n; }
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`Unsupported protobuf wire type ${wire}`);
    if (go === false) return;
  }
}
