// The Jupyter wire protocol (messaging 5.3): signing, parsing and ordered sending of multipart
// messages, and the protocol's text offsets (Unicode code points) against JavaScript's (UTF-16).
'use strict';
const crypto = require('crypto');

const DELIM = Buffer.from('<IDS|MSG>');

/** HMAC-SHA256 of the message parts with the connection key ('' when there is no key). */
function sign(key, parts) {
  if (!key) return '';
  const h = crypto.createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * Frames → { identities, header, parent_header, metadata, content, buffers }.
 * @throws Error on a missing delimiter or a wrong signature (compared in constant time).
 */
function parseMessage(key, frames) {
  const i = frames.findIndex((f) => Buffer.isBuffer(f) && f.equals(DELIM));
  if (i < 0) throw new Error('message missing <IDS|MSG> delimiter');
  const [signature, ...parts] = frames.slice(i + 1);
  if (key) {
    const expect = Buffer.from(sign(key, parts.slice(0, 4)));
    const got = Buffer.from(String(signature));
    if (got.length !== expect.length || !crypto.timingSafeEqual(got, expect)) throw new Error('invalid HMAC signature');
  }
  const [header, parent, metadata, content] = parts.slice(0, 4).map((p) => JSON.parse(p.toString() || '{}'));
  return { identities: frames.slice(0, i), header, parent_header: parent, metadata, content, buffers: parts.slice(4) };
}

/** Sends go through one chain per socket so messages keep their order; failures go to `log`. */
function sender(sock, log) {
  let chain = Promise.resolve();
  return (frames) => { chain = chain.then(() => sock.send(frames)).catch((e) => log(`send failed: ${e}`)); return chain; };
}

/** Walks `text` by code point until `stop(utf16Index, codePointIndex)`; returns both indices. */
function walk(text, stop) {
  let i = 0, n = 0;
  while (i < text.length && !stop(i, n)) { i += text.codePointAt(i) > 0xffff ? 2 : 1; n += 1; }
  return { i, n };
}

/**
 * A protocol offset (Unicode code points, messaging ≥ 5.2) into `text` as a JavaScript string
 * index (UTF-16 code units): '😀' is one code point but two code units.
 */
function toUtf16Offset(text, codePoints) { return walk(text, (_i, n) => n >= codePoints).i; }

/** A JavaScript string index into `text` as a protocol offset (code points). */
function toCodePointOffset(text, utf16) { return walk(text, (i) => i >= utf16).n; }

module.exports = { DELIM, sign, parseMessage, sender, toUtf16Offset, toCodePointOffset };
