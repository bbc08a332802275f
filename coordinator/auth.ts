import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { FleetswapError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import type { AdminMethod } from '../shared/proto.js';
import type { Clock } from './rollout.js';
import type { Store, TokenRow } from './store.js';
import { isoFromMs } from './times.js';

export type Role = TokenRow['role'];
export const ROLES: readonly Role[] = ['viewer', 'deployer', 'admin'];

/**
 * METHOD_ROLES is the admin service's allowlist: the least role each method
 * needs. An rpc added to proto/ without a role here does not compile; a
 * method that is not here is refused to everyone at run time (default deny:
 * SaltStack's 2020 bypass came from a denylist that missed a method).
 */
export const METHOD_ROLES: Readonly<Record<AdminMethod, Role>> = {
  ListReleases: 'viewer',
  Status: 'viewer',
  ListHosts: 'viewer',
  History: 'viewer',
  Drift: 'viewer',
  Audit: 'viewer',
  MissingBlobs: 'deployer',
  UploadBlobs: 'deployer',
  RegisterRelease: 'deployer',
  Deploy: 'deployer',
  Rollback: 'deployer',
  Promote: 'deployer',
  Pause: 'deployer',
  Resume: 'deployer',
  Abort: 'deployer',
  Halt: 'admin',
  Unhalt: 'admin',
  SetDriftPolicy: 'admin',
  DriftClean: 'admin',
  CreateToken: 'admin',
  ListTokens: 'admin',
  RevokeToken: 'admin',
  Events: 'viewer',
  // The list never holds a secret; adding or removing a receiver decides where the coordinator sends requests.
  ListNotify: 'viewer',
  AddNotify: 'admin',
  RemoveNotify: 'admin',
  TestNotify: 'deployer',
};

const forcesIrreversible = (req: object) => 'force_irreversible' in req && req.force_irreversible === true;

/**
 * REQUEST_ROLES: what some requests need beyond their method's role, by what
 * they ask. Going back past an irreversible release (a schema migration, a
 * format change) can lose data: a deployer rolls back and aborts, only an
 * admin forces either past an irreversible release.
 */
export const REQUEST_ROLES: Readonly<Partial<Record<AdminMethod, (req: object) => { role: Role; what: string } | undefined>>> = {
  Rollback: (req) => (forcesIrreversible(req) ? { role: 'admin', what: 'rollback --force-irreversible' } : undefined),
  Abort: (req) => (forcesIrreversible(req) ? { role: 'admin', what: 'abort --force-irreversible' } : undefined),
};

/** isAdminMethod: `method` is an rpc of AdminService (the name a call's path ends in). */
export function isAdminMethod(method: string): method is AdminMethod {
  return Object.hasOwn(METHOD_ROLES, method);
}

/** parseRole is the role a token is made with, or a refusal (the request's field is any text). */
export function parseRole(role: string): Role {
  const known = ROLES.find((r) => r === role);
  if (known) return known;
  throw new FleetswapError('BAD_USAGE', `bad role ${JSON.stringify(role.slice(0, 40))}: viewer, deployer or admin`);
}

/**
 * Token names are lower-case (no two tokens differ only in case), start and
 * end with a letter or digit, and have no ":" (the audit log's actors are
 * token:NAME, host:ID and coordinator, so a name cannot read as another kind).
 */
const TOKEN_NAME_RE = /^[a-z0-9](?:[a-z0-9._@-]{0,62}[a-z0-9])?$/;
/** Words the audit log and rollout messages use for someone other than a token. */
const RESERVED_TOKEN_NAMES: ReadonlySet<string> = new Set(['coordinator', 'fleetswap', 'operator', 'unknown']);

export interface Caller {
  name: string;
  role: Role;
}

const BOOTSTRAP_NAME = 'bootstrap-admin';

/** tokenHash is how a token is kept and looked up: its sha256. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Auth issues, checks and revokes API tokens. Tokens are kept as hashes; a token is shown once, when it is made. */
export class Auth {
  constructor(
    private readonly store: Store,
    private readonly now: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * bootstrap makes the first admin token on a coordinator that has none and
   * writes it to `file` (mode 0600). A token already there (`given`, as
   * readTokenFile read it) is used as the bootstrap token instead
   * (provisioning tools may write one first).
   */
  async bootstrap(file: string, given: string | undefined): Promise<void> {
    if ((await this.store.tokens.all()).length > 0) return;
    const token = given ?? newToken();
    // Written before it is kept: a write that fails must not leave an admin token nobody holds.
    if (given === undefined) await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    await this.store.tokens.insert({ name: BOOTSTRAP_NAME, role: 'admin', hash: tokenHash(token), created_at_ms: this.now(), created_by: 'coordinator (first start)', revoked_at_ms: null });
    this.log.warn({ file }, `first start: an admin token was ${given !== undefined ? 'taken from' : 'written to'} ${file}; make named tokens (fleetswap token create) and revoke ${BOOTSTRAP_NAME}`);
  }

  /**
   * authorize says who calls `method` with this metadata, or refuses: no
   * token, an unknown or revoked one, or too small a role for the method or
   * for what the request asks (REQUEST_ROLES; `request` is absent for a
   * client stream).
   */
  async authorize(method: string, metadata: grpc.Metadata, request?: object): Promise<Caller> {
    if (!isAdminMethod(method)) throw new FleetswapError('NOT_AUTHORISED', `${method} is not allowed to anyone`);
    const header = metadata.get('authorization')[0];
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token) throw new FleetswapError('NOT_AUTHORISED', 'no API token: set FLEETSWAP_TOKEN or --token-file (a new coordinator writes its first admin token to DATA/admin.token)');
    return this.check(method, tokenHash(token), request);
  }

  /**
   * check is authorize for a token known by its hash: the dashboard keeps
   * only the hash with a session, and asks again on every request, so a
   * revoked token ends its sessions at once.
   */
  async check(method: AdminMethod, hash: string, request?: object): Promise<Caller> {
    const caller = await this.holder(hash);
    permit(caller, method, request);
    return caller;
  }

  /** holder is who holds the token with this hash, if it is known and not revoked. */
  async holder(hash: string): Promise<Caller> {
    const row = await this.store.tokens.byHash(hash);
    if (!row) throw new FleetswapError('NOT_AUTHORISED', 'unknown API token');
    if (row.revoked_at_ms !== null) throw new FleetswapError('NOT_AUTHORISED', `token ${row.name} was revoked at ${isoFromMs(row.revoked_at_ms)}`);
    return { name: row.name, role: row.role };
  }

  async create(name: string, role: Role, by: string): Promise<{ token: string; row: TokenRow }> {
    if (!TOKEN_NAME_RE.test(name)) {
      throw new FleetswapError('BAD_USAGE', `bad token name ${JSON.stringify(name.slice(0, 80))}: 1-64 lower-case letters, digits, ".", "_", "@" or "-", beginning and ending with a letter or digit`);
    }
    if (RESERVED_TOKEN_NAMES.has(name)) throw new FleetswapError('BAD_USAGE', `token name ${name} is reserved (the audit log uses it for someone else): pick another`);
    if (await this.store.tokens.byName(name)) throw new FleetswapError('BAD_USAGE', `a token named ${name} exists (revoked tokens keep their name): pick another`);
    const token = newToken();
    const row: TokenRow = { name, role, hash: tokenHash(token), created_at_ms: this.now(), created_by: by, revoked_at_ms: null };
    await this.store.tokens.insert(row);
    return { token, row };
  }

  async list(): Promise<Omit<TokenRow, 'hash'>[]> {
    return (await this.store.tokens.all()).map(({ hash: _hash, ...rest }) => rest);
  }

  async revoke(name: string): Promise<void> {
    const row = await this.store.tokens.byName(name);
    if (!row) throw new FleetswapError('BAD_USAGE', `no token named ${JSON.stringify(name)}: see fleetswap token list`);
    if (row.revoked_at_ms !== null) throw new FleetswapError('REFUSED', `token ${name} was already revoked at ${isoFromMs(row.revoked_at_ms)}`);
    await this.store.tokens.revoke(name, this.now());
  }
}

/**
 * readTokenFile reads the admin token file at every start (the token, or
 * undefined when there is no file). The file is an admin credential, so
 * rather than go on:
 * - one the group or others may read or write stops the start until it is
 *   its owner's alone (anyone else on the machine would be admin);
 * - one with no usable token in it (empty, or words a gRPC header cannot
 *   carry) stops it too: taken as is, it would be an admin token nobody can
 *   present, and every admin locked out.
 */
export async function readTokenFile(file: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FleetswapError('BAD_USAGE', `cannot read the admin token file: ${(err as Error).message}`);
  }
  try {
    const { mode } = await handle.stat();
    if (mode & 0o077) {
      throw new FleetswapError('BAD_USAGE', `${file} holds an admin token and its mode is ${(mode & 0o777).toString(8).padStart(4, '0')}, open to group or others: chmod 600 ${file}`);
    }
    const token = (await handle.readFile('utf8')).trim();
    if (!/^[\x21-\x7e]+$/.test(token)) {
      throw new FleetswapError('BAD_USAGE', `${file} holds no usable admin token (${token ? 'spaces or non-ASCII in it' : 'it is empty'}): write one token in it, or remove it and a new coordinator writes its own`);
    }
    return token;
  } finally {
    await handle.close();
  }
}

/** bootstrapToken reads the first admin token a coordinator wrote into its data directory (for the demo and the benchmark). */
export async function bootstrapToken(dataDir: string): Promise<string> {
  return (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
}

function newToken(): string {
  return `fst_${randomBytes(32).toString('base64url')}`;
}

/**
 * permit refuses a caller whose role is below what `method` needs
 * (METHOD_ROLES), or below what the request asks of it (REQUEST_ROLES).
 */
export function permit(caller: Caller, method: AdminMethod, request?: object): void {
  const need = METHOD_ROLES[method];
  if (!mayAct(caller.role, need)) throw new FleetswapError('NOT_AUTHORISED', `${describe(method)} needs the ${need} role; token ${caller.name} is a ${caller.role}`);
  const more = request ? REQUEST_ROLES[method]?.(request) : undefined;
  if (more && !mayAct(caller.role, more.role)) throw new FleetswapError('NOT_AUTHORISED', `${more.what} needs the ${more.role} role; token ${caller.name} is a ${caller.role}`);
}

/** mayAct: a token of role `has` may do what needs role `need` (viewer < deployer < admin). */
export function mayAct(has: Role, need: Role): boolean {
  return ROLES.indexOf(has) >= ROLES.indexOf(need);
}

/** describe names a method the way the CLI spells its command. */
/** SPOKEN: methods whose CLI command reads otherwise than their name. */
const SPOKEN: Readonly<Record<string, string>> = { AddNotify: 'notify add', RemoveNotify: 'notify remove', TestNotify: 'notify test', ListNotify: 'notify list' };

function describe(method: string): string {
  return SPOKEN[method] ?? method.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
