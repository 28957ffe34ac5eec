// What a cell's value becomes on the wire: an execute_result bundle that always exists and always
// serializes, whatever the value does (a throwing util.inspect.custom or Symbol.toStringTag, a
// toMimeBundle() returning BigInt or circular data), and IPython's trailing-semicolon rule.
'use strict';
const util = require('util');

const DISPLAY_KEY = Symbol.for('ganbook.display');

/** util.inspect that cannot throw: falls back to the value's tag, then to a fixed text. */
function safeInspect(value) {
  try { return util.inspect(value); } catch (e) {
    let tag = 'value';
    try { tag = Object.prototype.toString.call(value); } catch { /* a throwing Symbol.toStringTag */ }
    let why = 'unknown error';
    try { why = String(e && e.message); } catch { /* a throwing message getter */ }
    return `${tag} (could not be displayed: util.inspect threw "${why}")`;
  }
}

/** The JSON text of `v`, or the reason it has none (BigInt, circular, a throwing toJSON). */
function jsonProblem(v) {
  try { JSON.stringify(v); return null; } catch (e) { return String(e && e.message); }
}

/**
 * text/plain always; rich MIME types when the library is loaded and knows the value (or the value
 * has `toMimeBundle()`). Entries that cannot be sent as JSON are dropped with a note in `notes`.
 * Never throws.
 */
async function resultBundle(value, notes = []) {
  let data = null;
  const display = globalThis[DISPLAY_KEY];
  // Without lib/display/show.ts loaded, objects that display themselves still do.
  const rich = display && typeof display.resultBundle === 'function' ? display.resultBundle
    : (v) => (v && typeof v.toMimeBundle === 'function' ? v.toMimeBundle() : null);
  try { data = await rich(value); } catch (e) {
    data = null;
    notes.push(`rich display failed (${safeMessage(e)}); showing text`);
  }
  const out = {};
  if (data && typeof data === 'object') {
    for (const [mime, raw] of Object.entries(data)) {
      const v = raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : raw;
      const problem = jsonProblem(v);
      if (problem) { notes.push(`dropped the ${mime} view: it cannot be sent as JSON (${problem})`); continue; }
      out[mime] = v;
    }
  } else if (data != null) {
    notes.push(`ignored a display bundle of type ${typeof data} (expected an object of MIME type → data)`);
  }
  if (typeof out['text/plain'] !== 'string') out['text/plain'] = safeInspect(value);
  return out;
}

function safeMessage(e) {
  try { return String(e && e.message ? e.message : e); } catch { return 'unknown error'; }
}

/**
 * IPython's rule: a cell whose code ends with `;` (after comments and whitespace) shows no value.
 * Tokenized with TypeScript's scanner, so `;` inside strings, templates and comments do not count.
 */
function hidesValue(code) {
  const ts = require('@tslab/typescript-for-tslab');
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /* skipTrivia */ true, ts.LanguageVariant.Standard, code);
  const K = ts.SyntaxKind;
  const depth = []; // open braces inside each enclosing template substitution
  let last = null;
  for (let t = scanner.scan(); t !== K.EndOfFileToken; t = scanner.scan()) {
    if (t === K.TemplateHead) depth.push(0);
    else if (t === K.OpenBraceToken && depth.length) depth[depth.length - 1] += 1;
    else if (t === K.CloseBraceToken && depth.length) {
      if (depth[depth.length - 1] === 0) {
        t = scanner.reScanTemplateToken(false); // the `}` that resumes the template
        if (t === K.TemplateTail) depth.pop();
      } else depth[depth.length - 1] -= 1;
    }
    last = t;
  }
  return last === ts.SyntaxKind.SemicolonToken;
}

module.exports = { resultBundle, safeInspect, hidesValue };
