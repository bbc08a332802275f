import type { Db } from './db.js';

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
  constructor(private readonly db: Db) {}

  async insert(t: TokenRow): Promise<void> {
    await this.db.run(`INSERT INTO tokens(name, role, hash, created_at_ms, created_by, revoked_at_ms) VALUES (@name, @role, @hash, @created_at_ms, @created_by, @revoked_at_ms)`, { ...t });
  }

  byHash(hash: string): Promise<TokenRow | undefined> {
    return this.db.get<TokenRow>(`SELECT * FROM tokens WHERE hash = ?`, [hash]);
  }

  byName(name: string): Promise<TokenRow | undefined> {
    return this.db.get<TokenRow>(`SELECT * FROM tokens WHERE name = ?`, [name]);
  }

  all(): Promise<TokenRow[]> {
    return this.db.all<TokenRow>(`SELECT * FROM tokens ORDER BY created_at_ms, name`);
  }

  async revoke(name: string, atMs: number): Promise<void> {
    await this.db.run(`UPDATE tokens SET revoked_at_ms = ? WHERE name = ? AND revoked_at_ms IS NULL`, [atMs, name]);
  }
}
