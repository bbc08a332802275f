// The table modules write SQL once, with better-sqlite3's placeholders (`?` in
// order, or `@name` from an object). PostgreSQL numbers its parameters ($1,
// $2, ...); toNumbered rewrites a statement once, and bind orders a call's
// values to match. Quoted text ('...' or "...") is left alone.

import { FleetswapError } from '../../shared/errors.js';

export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

export interface Numbered {
  text: string;
  /** For `@name` statements, the name behind each $n; empty for `?` statements. */
  names: readonly string[];
  /** How many `?` the statement has (0 for `@name` statements). */
  positional: number;
}

// A statement that does not fit its values is a bug in fleetswap, not bad
// input: INTERNAL, as better-sqlite3's own binding errors end up.
const bad = (why: string, sql: string) => new FleetswapError('INTERNAL', `${why}: ${sql.replace(/\s+/g, ' ').slice(0, 80)}`);

export function toNumbered(sql: string): Numbered {
  const names: string[] = [];
  const index = new Map<string, number>();
  let positional = 0;
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i] as string;
    if (quote) {
      out += c;
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') {
      out += `$${++positional}`;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0] as string;
      let n = index.get(name);
      if (n === undefined) {
        names.push(name);
        n = names.length;
        index.set(name, n);
      }
      out += `$${n}`;
      i += name.length;
    } else {
      out += c;
    }
  }
  if (positional > 0 && names.length > 0) throw bad('SQL mixes ? and @name placeholders', sql);
  return { text: out, names, positional };
}

/** bind lays out a call's values in $n order; a missing named value is an error, as it is in better-sqlite3. */
export function bind(n: Numbered, params: Params | undefined): unknown[] {
  if (n.names.length === 0) {
    const values = Array.isArray(params) ? params : params === undefined ? [] : [params];
    if (values.length !== n.positional) throw bad(`SQL expects ${n.positional} values, got ${values.length}`, n.text);
    return [...values];
  }
  if (params === undefined || Array.isArray(params)) throw bad('SQL expects named values', n.text);
  const named = params as Readonly<Record<string, unknown>>;
  return n.names.map((name) => {
    if (!(name in named)) throw bad(`SQL value @${name} is missing`, n.text);
    return named[name];
  });
}
