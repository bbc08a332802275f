import type { Sql } from './sql.js';

export interface TokenRow {
  name: string;
  role: 'viewer' | 'deployer' | 'admin';
  /** sha256 of the token: the token itself is never stored. */
  hash: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

/** Tokens is the `tokens` table: API tokens by name and role, kept as hashes; revoked, never deleted. */
export class Tokens {
  constructor(private readonly sql: Sql) {}

  insert(t: TokenRow): void {
    this.sql.stmt(`INSERT INTO tokens(name, role, hash, created_at, created_by, revoked_at) VALUES (@name, @role, @hash, @created_at, @created_by, @revoked_at)`).run(t);
  }

  byHash(hash: string): TokenRow | undefined {
    return this.sql.stmt(`SELECT * FROM tokens WHERE hash = ?`).get(hash) as TokenRow | undefined;
  }

  byName(name: string): TokenRow | undefined {
    return this.sql.stmt(`SELECT * FROM tokens WHERE name = ?`).get(name) as TokenRow | undefined;
  }

  all(): TokenRow[] {
    return this.sql.stmt(`SELECT * FROM tokens ORDER BY created_at, name`).all() as TokenRow[];
  }

  revoke(name: string, at: string): void {
    this.sql.stmt(`UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`).run(at, name);
  }
}
