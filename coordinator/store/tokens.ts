import type { Sql } from './sql.js';

export interface TokenRow {
  name: string;
  role: 'viewer' | 'deployer' | 'admin';
  /** sha256 of the token: the token itself is never stored. */
  hash: string;
  created_at_ms: number;
  created_by: string;
  /** null until it is revoked. */
  revoked_at_ms: number | null;
}

/** Tokens is the `tokens` table: API tokens by name and role, kept as hashes; revoked, never deleted. */
export class Tokens {
  constructor(private readonly sql: Sql) {}

  insert(t: TokenRow): void {
    this.sql.stmt(`INSERT INTO tokens(name, role, hash, created_at_ms, created_by, revoked_at_ms) VALUES (@name, @role, @hash, @created_at_ms, @created_by, @revoked_at_ms)`).run(t);
  }

  byHash(hash: string): TokenRow | undefined {
    return this.sql.stmt(`SELECT * FROM tokens WHERE hash = ?`).get(hash) as TokenRow | undefined;
  }

  byName(name: string): TokenRow | undefined {
    return this.sql.stmt(`SELECT * FROM tokens WHERE name = ?`).get(name) as TokenRow | undefined;
  }

  all(): TokenRow[] {
    return this.sql.stmt(`SELECT * FROM tokens ORDER BY created_at_ms, name`).all() as TokenRow[];
  }

  revoke(name: string, atMs: number): void {
    this.sql.stmt(`UPDATE tokens SET revoked_at_ms = ? WHERE name = ? AND revoked_at_ms IS NULL`).run(atMs, name);
  }
}
