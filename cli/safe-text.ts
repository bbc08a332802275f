// Much of what the CLI prints comes from parties it does not trust: hosts
// (tags, error text, drift paths, the release ids they report), and people
// with a token (reasons, release notes and owners, token names). A terminal
// obeys control characters in what it is sent: ESC starts a sequence that can
// clear the screen, retitle the window or rewrite earlier lines; CR and LF
// forge lines (an audit entry that seems to be two); bidi controls make a
// path or reason read differently from what it is. Such characters are
// printed as visible escapes (\x1b, \n, \u202e) instead. JSON output is left
// alone: JSON.stringify escapes C0 controls itself, and a script wants the
// exact string.

/**
 * UNSAFE are C0 controls, DEL, C1 controls (U+0080-U+009F; U+009B is a
 * one-byte CSI to some terminals), the Unicode line and paragraph separators,
 * and the bidi controls: LRM, RLM, ALM, the embeddings and overrides
 * (U+202A-U+202E) and the isolates (U+2066-U+2069).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** UNSAFE_IN_BLOCK is UNSAFE but for LF and TAB: a block of text already laid out in lines and columns keeps them. */
const UNSAFE_IN_BLOCK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(c: string): string {
  const n = c.charCodeAt(0);
  return NAMED[c] ?? (n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`);
}

/** safe is one value as it may appear in a line or a table cell: every control and bidi character escaped, newlines too. */
export function safe(v: string | number | boolean): string {
  return String(v).replace(UNSAFE, visible);
}

/**
 * safeBlock is the last guard before the terminal, for text already laid out:
 * it keeps LF and TAB and escapes every other control and bidi character, so
 * a value that reached the output without safe() still cannot drive the
 * terminal (it can only add a line, which is why values go through safe()).
 */
export function safeBlock(s: string): string {
  return s.replace(UNSAFE_IN_BLOCK, visible);
}

/**
 * line is a template tag for one line of output: every substituted value
 * goes through safe(). Applying it twice changes nothing, as an escape is
 * printable ASCII.
 */
export function line(parts: TemplateStringsArray, ...values: (string | number | boolean)[]): string {
  return parts.reduce((acc, part, i) => acc + safe(values[i - 1] as string | number | boolean) + part);
}
