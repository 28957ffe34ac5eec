import { describe, expect, it } from 'vitest';
import { table } from '../../lib/plot/table';
import { detectInlineProtocol, inlineImage, fileSink } from '../../lib/display/file-sink';
import { interruptSignal, requestInterrupt, resetInterrupt, interruptibleSleep, throwIfInterrupted } from '../../lib/display/interrupt';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

describe('table', () => {
  it('renders HTML with a caption, escaped cells, right-aligned numbers, and aligned text', () => {
    const t = table([{ layer: 'dense<1>', params: 12544, loss: 0.123456 }, { layer: 'conv', params: 3200 }], { title: 'Gen & Disc' });
    const b = t.toMimeBundle();
    const html = String(b['text/html']);
    expect(html).toContain('<caption style="caption-side:top;text-align:left;font-weight:bold">Gen &amp; Disc</caption>');
    expect(html).toContain('<td style="text-align:left">dense&lt;1&gt;</td>');
    expect(html).toContain('<td style="text-align:right">12544</td>');
    expect(html).toContain('<td style="text-align:right">0.1235</td>');
    expect(html).toContain('<td style="text-align:right"></td>'); // missing value
    expect(b['text/plain']).toBe(['Gen & Disc', 'layer     params    loss', '--------  ------  ------', 'dense<1>   12544  0.1235', 'conv        3200'].join('\n'));
  });

  it('renames headers, formats columns, and adds a footer and a note to both renderings', () => {
    const t = table([{ k: 'a', n: 1500 }, { k: 'b', n: 25 }], {
      headers: { k: 'key', n: 'count' }, format: { n: (v) => (v as number).toLocaleString('en-US') },
      footer: { k: 'total', n: 1525 }, note: 'n counts <things>', className: 'my-table',
    });
    const html = t.toHtml();
    expect(html).toMatch(/^<table class="my-table">/);
    expect(html).toContain('<th style="text-align:left">key</th><th style="text-align:right">count</th>');
    expect(html).toContain('<td style="text-align:right">1,500</td>');
    expect(html).toContain('<tfoot><tr><td style="text-align:left;font-weight:bold">total</td><td style="text-align:right;font-weight:bold">1,525</td></tr></tfoot>');
    expect(html).toContain('<div style="font-size:smaller">n counts &lt;things&gt;</div>');
    expect(t.toText()).toBe(['key    count', '-----  -----', 'a      1,500', 'b         25', '-----  -----', 'total  1,525', 'n counts <things>'].join('\n'));
  });

  it('keeps the requested columns in order and rejects non-arrays with a clear message', () => {
    expect(table([{ a: 1, b: 2 }], { columns: ['b', 'a'] }).toText().split('\n')[0]).toBe('b  a');
    expect(() => table({} as never)).toThrow(/expects an array of records/);
  });
});

describe('terminal pictures', () => {
  it('detects kitty and iTerm2 only on a TTY unless forced', () => {
    expect(detectInlineProtocol({ KITTY_WINDOW_ID: '1' }, true)).toBe('kitty');
    expect(detectInlineProtocol({ TERM_PROGRAM: 'iTerm.app' }, true)).toBe('iterm');
    expect(detectInlineProtocol({ KITTY_WINDOW_ID: '1' }, false)).toBe('none');
    expect(detectInlineProtocol({ GANBOOK_INLINE_IMAGES: 'iterm' }, false)).toBe('iterm');
    expect(detectInlineProtocol({ TERM: 'xterm-256color' }, true)).toBe('none');
  });

  it('encodes kitty in 4096-byte chunks and iTerm2 in one OSC 1337', () => {
    const png = new Uint8Array(5000).fill(7);
    const k = inlineImage(png, 'kitty');
    expect(k.startsWith('\x1b_Gf=100,a=T,m=1;')).toBe(true);
    expect(k).toContain('\x1b_Gm=0;');
    expect(inlineImage(png, 'iterm')).toMatch(/^\x1b\]1337;File=inline=1;size=5000;preserveAspectRatio=1:[A-Za-z0-9+/=]+\x07$/);
  });

  it('fileSink writes one file per MIME type and rewrites the same files on update', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganbook-sink-'));
    let printed = '';
    const sink = fileSink({ dir, inline: 'none', out: { write: (s: string) => { printed += s; return true; } } as never });
    sink({ 'text/html': '<b>1</b>', 'text/plain': 'one' }, { displayId: 'x' });
    sink({ 'text/html': '<b>2</b>', 'text/plain': 'two' }, { displayId: 'x', update: true });
    expect(fs.readdirSync(dir)).toEqual(['show-1.html']);
    expect(fs.readFileSync(path.join(dir, 'show-1.html'), 'utf8')).toBe('<b>2</b>');
    expect(printed).toMatch(/wrote .*show-1\.html[\s\S]*updated .*show-1\.html/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('interruptSignal', () => {
  it('aborts the current signal, keeps it aborted after a reset, and hands out a fresh one', async () => {
    resetInterrupt();
    const s = interruptSignal();
    expect(s.aborted).toBe(false);
    const sleeping = interruptibleSleep(10_000, s);
    requestInterrupt();
    expect(await sleeping).toBe(false);
    expect(s.aborted).toBe(true);
    expect(() => throwIfInterrupted(s)).toThrow(expect.objectContaining({ name: 'KeyboardInterrupt' }));
    resetInterrupt();
    expect(s.aborted).toBe(true);
    expect(interruptSignal().aborted).toBe(false);
    expect(await interruptibleSleep(5)).toBe(true);
  });
});
