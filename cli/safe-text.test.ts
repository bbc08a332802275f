import { describe, expect, it } from 'vitest';
import { line, safe, safeBlock } from './safe-text.js';

describe('safe', () => {
  it.each([
    ['ESC (clear screen)', 'a\x1b[2Jb', 'a\\x1b[2Jb'],
    ['CR (overwrite the line)', 'ok\rFAIL', 'ok\\rFAIL'],
    ['LF (forge a line)', 'a\n#9 admin', 'a\\n#9 admin'],
    ['TAB', 'a\tb', 'a\\tb'],
    ['NUL and BEL', '\0\x07', '\\x00\\x07'],
    ['DEL', 'a\x7f', 'a\\x7f'],
    ['C1 CSI', 'a\u009b2J', 'a\\x9b2J'],
    ['NEL', 'a\u0085b', 'a\\x85b'],
    ['RLO (reads backwards)', 'gpj.\u202eexe', 'gpj.\\u202eexe'],
    ['LRE, RLE, PDF, LRO', '\u202a\u202b\u202c\u202d', '\\u202a\\u202b\\u202c\\u202d'],
    ['isolates', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069'],
    ['LRM, RLM, ALM', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['line and paragraph separators', '\u2028\u2029', '\\u2028\\u2029'],
  ])('escapes %s visibly', (_what, input, shown) => {
    expect(safe(input)).toBe(shown);
  });

  it('leaves printable text alone, accents, CJK, emoji and backslashes included', () => {
    const text = 'web-1 role=web café 東京 🚀 C:\\path — ok · 100%';
    expect(safe(text)).toBe(text);
    expect(safe(42)).toBe('42');
  });

  it('changes nothing when applied twice', () => {
    const once = safe('\x1b[2J\u202e\n\u009b');
    expect(safe(once)).toBe(once);
  });
});

describe('safeBlock', () => {
  it('keeps the layout (LF, TAB) and escapes every other control and bidi character', () => {
    expect(safeBlock('a\tb\nc\x1b[2J\r\u202ed')).toBe('a\tb\nc\\x1b[2J\\r\\u202ed');
  });
});

describe('line', () => {
  it('escapes every substituted value and none of the template', () => {
    const reason = 'oops\n#2 2026-01-01 admin halt';
    expect(line`#1\t${'web-1'} failed — ${reason}`).toBe('#1\tweb-1 failed — oops\\n#2 2026-01-01 admin halt');
    expect(line`${7} hosts${''}`).toBe('7 hosts');
  });
});
