// Errors as the Jupyter protocol wants them (ename, evalue, traceback) with user frames only:
// cells as `<cell N>:line:col`, library and local modules as their TypeScript file and line
// (mapped back by matching text: tslab emits no source maps), no tslab or Node internals.
'use strict';
const path = require('path');
const util = require('util');

const KERNEL_FRAME = /node_modules[\\/]tslab[\\/]|[\\/]kernel[\\/]layer\.js|\(node:|^\s*at node:|at new Promise \(<anonymous>\)/;

/** Compiled code of cells (`<cell N>`) and local modules, to map stack lines back to TypeScript. */
const sources = new Map();

/**
 * Maps a line:column of compiled JavaScript back to the TypeScript source by matching text (tslab
 * emits no source maps): the source line holding the compiled line's code, nearest to it.
 */
function mapPosition(entry, line, col) {
  const compiled = entry.compiled.split('\n')[line - 1];
  if (compiled == null) return null;
  if (compiled.startsWith('})(__tslab__.exports')) return { drop: true }; // tslab's cell wrapper
  const src = entry.source.split('\n');
  const needles = [compiled.trim(), compiled.trim().replace(/;$/, ''), compiled.slice(Math.max(0, col - 1)).trim().replace(/;$/, '').slice(0, 24)]
    .filter((n) => n.length >= 3 && !n.startsWith('(async function(exports') && !n.startsWith('(function(exports'));
  for (const needle of needles) {
    let best = -1;
    src.forEach((s, i) => { if (s.includes(needle) && (best < 0 || Math.abs(i - (line - 1)) < Math.abs(best - (line - 1)))) best = i; });
    if (best >= 0) {
      const at = src[best].indexOf(compiled.slice(Math.max(0, col - 1)).trim().slice(0, 24));
      return { line: best + 1, col: (at >= 0 ? at : src[best].search(/\S/)) + 1, text: src[best].trim() };
    }
  }
  return null;
}

/** Stack frames of user code only: cells as `<cell N>:line:col`, local modules as project .ts paths. */
function cleanFrames(stack, rootDir) {
  const frames = [];
  for (const line of String(stack || '').split('\n')) {
    if (!/^\s+at /.test(line)) continue;
    if (/node_modules[\\/]tslab[\\/]|[\\/]kernel[\\/]layer\.js/.test(line)) break; // below: the kernel
    if (KERNEL_FRAME.test(line)) continue;
    let text = null;
    let drop = false;
    let frame = line.replace(/(<cell \d+>|\/[^\s():]+\.[jt]s):(\d+):(\d+)/, (all, file, l, c) => {
      const entry = sources.get(file);
      const pos = entry && mapPosition(entry, Number(l), Number(c));
      const name = entry && entry.display ? entry.display : file;
      if (!entry) return all;
      if (pos && pos.drop) { drop = true; return all; }
      if (!pos) return name;
      text = pos.text;
      return `${name}:${pos.line}:${pos.col}`;
    });
    if (drop) continue;
    frame = frame.replace(/evalmachine\.<anonymous>/g, '<cell>').split(rootDir + path.sep).join('');
    frames.push(frame);
    if (text) frames.push(`        ${text}`);
  }
  return frames;
}

function isInterrupt(e) {
  return e instanceof Error && (e.message === 'Interrupted asynchronously' || e.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED' || e.name === 'KeyboardInterrupt');
}

function describeFailure(cur, rootDir) {
  if (cur.thrown.length === 0) {
    const lines = cur.diagnostics.length ? cur.diagnostics : ['the cell failed without an error value'];
    return { ename: 'TSError', evalue: lines[0], traceback: lines.map((l) => `TSError: ${l}`) };
  }
  const e = cur.thrown[0];
  if (isInterrupt(e)) {
    return { ename: 'KeyboardInterrupt', evalue: 'the cell was interrupted', traceback: ['KeyboardInterrupt: the cell was interrupted'] };
  }
  if (e instanceof Error || (e && typeof e === 'object' && typeof e.stack === 'string')) {
    const ename = e.name || (e.constructor && e.constructor.name) || 'Error';
    const evalue = String(e.message ?? '');
    return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...cleanFrames(e.stack, rootDir)] };
  }
  const evalue = util.inspect(e);
  return { ename: 'Error', evalue, traceback: [`Uncaught ${evalue}`] };
}

module.exports = { sources, mapPosition, cleanFrames, describeFailure, isInterrupt };
