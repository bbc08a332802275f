import { spawn, type ChildProcess } from 'node:child_process';
import * as fsSync from 'node:fs';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, type AgentOptions } from '../agent/agent.js';
import { AdminClient, carried } from '../cli/admin-client.js';
import { push } from '../cli/push.js';
import { Coordinator, type CoordinatorOptions } from '../coordinator/coordinator.js';
import { FleetswapError } from '../shared/errors.js';
import { hashFile } from '../shared/hash.js';
import { silentLogger } from '../shared/log.js';
import { fileEntries, parseManifest } from '../shared/manifest.js';
import { TERMINAL_ROLLOUT_STATES } from '../shared/domain.js';
import type { Release__Output as Release } from '../shared/gen/fleetswap/v1/Release.js';
import type { Rollout__Output as Rollout } from '../shared/gen/fleetswap/v1/Rollout.js';
import { ALL_AT_ONCE } from '../shared/plan.js';
import { databaseFor } from './database.js';
import { TEST_TOKEN } from './setup.js';

// Fixture builders shared by every integration test: real coordinators on
// 127.0.0.1:0, real agents (in-process or as child processes), real trees.

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(REPO, 'bin', 'fleetswap.js');

export async function tempDir(prefix = 'fleetswap-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** aTree writes files (path -> content, or [content, mode]) under dir. */
export async function aTree(dir: string, files: Record<string, string | Buffer | [string | Buffer, number]>): Promise<string> {
  for (const [path, spec] of Object.entries(files)) {
    const abs = join(dir, path);
    await mkdir(dirname(abs), { recursive: true });
    const [content, mode] = Array.isArray(spec) ? spec : [spec, 0o644];
    await writeFile(abs, content);
    await chmod(abs, mode);
  }
  return dir;
}

export { TEST_TOKEN };

/** withTestToken puts TEST_TOKEN where a coordinator takes its first admin token from. */
async function withTestToken(dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'admin.token'), `${TEST_TOKEN}\n`, { mode: 0o600 });
  return dataDir;
}

export async function aCoordinator(dataDir?: string, opts: Partial<CoordinatorOptions> = {}): Promise<Coordinator> {
  const data = await withTestToken(dataDir ?? join(await tempDir(), 'data'));
  const database = await databaseFor(data);
  // Unsigned releases unless a test is about signing: most tests are about something else.
  return Coordinator.start({ dataDir: data, database, listen: '127.0.0.1:0', log: silentLogger(), tickMs: 50, signing: { allowUnsigned: true }, transport: { insecure: true }, ...opts });
}

export async function anAgent(coordinator: string, root: string, opts: Partial<AgentOptions> = {}): Promise<Agent> {
  // Vitals off unless a test asks: most tests are about releases, not health.
  const agent = new Agent({ id: 'host-1', root, coordinator, log: silentLogger(), backoff: { baseMs: 50, maxMs: 500 }, vitalsIntervalMs: 0, allowUnsigned: true, transport: { insecure: true }, ...opts });
  await agent.start();
  return agent;
}

export async function aRelease(client: AdminClient, dir: string, label: string): Promise<Release> {
  return (await push(client, dir, { label, owner: 'tests', notes: '', irreversible: '' }, false)).release;
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function waitConnected(c: Coordinator, n: number): Promise<void> {
  await waitFor(`${n} agents connected`, () => c.fleet.connectedCount() >= n);
}

/** TWO_PHASE are the CLI flags of a plain two-phase deploy: stage everywhere, then switch everyone. */
export const TWO_PHASE = ['--canary', '0', '--waves', '100%', '--watch-for', '0s'] as const;

type DeployExtra = Partial<{ skip_offline: boolean; select: Record<string, string>; timeout_ms: number }>;

/** startDeploy deploys with --canary 0 and returns the rollout as it starts. */
export async function startDeploy(client: AdminClient, release: string, extra: DeployExtra = {}): Promise<Rollout> {
  return client.rollout('Deploy', {
    release,
    select: extra.select ?? {},
    ...ALL_AT_ONCE,
    skip_offline: extra.skip_offline ?? false,
    actor: 'tests',
    reason: '',
    stage_timeout_ms: extra.timeout_ms ?? 30_000,
    switch_timeout_ms: extra.timeout_ms ?? 30_000,
  });
}

/** deployAndWait deploys with --canary 0 and waits until the rollout ends. */
export async function deployAndWait(client: AdminClient, release: string, extra: DeployExtra = {}): Promise<Rollout> {
  return waitRollout(client, (await startDeploy(client, release, extra)).id);
}

/** refusalOf resolves with the FleetswapError a call was refused with, and fails if it was not. */
export async function refusalOf(p: Promise<unknown>): Promise<FleetswapError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FleetswapError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got none');
}

export async function waitRollout(client: AdminClient, id: number): Promise<Rollout> {
  return waitFor(`rollout #${id} to end`, async () => {
    const s = await client.call('Status', { rollout_id: id });
    return s.rollout && TERMINAL_ROLLOUT_STATES.has(s.rollout.state) ? s.rollout : undefined;
  });
}

/**
 * checkLive asserts CONTRACT invariant 1 on a host root: `current` resolves to
 * a slot marked complete, and every file in it matches the slot's manifest.
 * It returns the live release id ('' when nothing is live yet).
 */
export async function checkLive(root: string): Promise<string> {
  const target = await readlink(join(root, 'current')).catch(() => undefined);
  if (target === undefined) return '';
  const m = /^slots\/(\d+)$/.exec(target);
  if (!m) throw new Error(`current -> ${target} is not a slot`);
  const meta = JSON.parse(await readFile(join(root, '.fleetswap', 'slot-meta', `${m[1]}.json`), 'utf8')) as { release_id: string };
  const manifest = parseManifest(await readFile(join(root, '.fleetswap', 'manifests', meta.release_id)), meta.release_id);
  for (const f of fileEntries(manifest)) {
    const got = await hashFile(join(root, target, f.path));
    if (got.sha256 !== f.sha256) throw new Error(`${target}/${f.path} does not match the manifest`);
  }
  return meta.release_id;
}

export interface AgentProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** anAgentProcess runs `fleetswap agent` as a child process (for crash tests: SIGKILL is real). */
export function anAgentProcess(args: { coordinator: string; id: string; root: string; tags?: string[]; env?: Record<string, string>; extra?: string[] }): AgentProcess {
  const extra = args.extra ?? [];
  const trust = [...(extra.includes('--trust-key') ? [] : ['--allow-unsigned']), ...(extra.includes('--cert') ? [] : ['--insecure'])];
  const argv = [BIN, 'agent', '--coordinator', args.coordinator, '--id', args.id, '--root', args.root, ...trust, ...(args.tags ?? []).flatMap((t) => ['--tag', t]), ...extra];
  const child = spawn(process.execPath, argv, { env: { ...process.env, FLEETSWAP_LOG_LEVEL: 'info', ...args.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return { child, exited, output: () => out };
}

/** runCli runs the fleetswap executable and collects its exit code and output. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    // An empty value removes the variable (FLEETSWAP_INSECURE is a flag: set at all, it is on).
    const merged = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined && v !== ''));
    const child = spawn(process.execPath, [BIN, ...args], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // 'close', not 'exit': at exit the pipes may still hold output not yet read.
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

export async function cleanup(...paths: string[]): Promise<void> {
  for (const p of paths) await rm(p, { recursive: true, force: true });
}

export { AdminClient, carried };

export { freePort } from '../bench/ports.js';

/** aCoordinatorProcess runs `fleetswap coordinator` as a child process and waits until it listens. */
export async function aCoordinatorProcess(dataDir: string, address: string, env: Record<string, string> = {}, args: string[] = []): Promise<AgentProcess> {
  await withTestToken(dataDir);
  const database = await databaseFor(dataDir);
  if (database) env = { FLEETSWAP_DATABASE: database, ...env };
  const trust = [...(args.includes('--trust-key') ? [] : ['--allow-unsigned']), ...(args.includes('--cert') ? [] : ['--insecure'])];
  const child = spawn(process.execPath, [BIN, 'coordinator', '--data', dataDir, '--listen', address, ...trust, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  await waitFor(`coordinator on ${address}`, () => out.includes('coordinator listening') || child.exitCode !== null);
  if (child.exitCode !== null) throw new Error(`coordinator exited: ${out}`);
  return { child, exited, output: () => out };
}

/**
 * InvariantSampler resolves `current` on every host every few milliseconds
 * while a test runs and records any moment it was missing after being set,
 * pointed outside slots/, or pointed at a slot not marked complete
 * (CONTRACT invariant 1).
 */
export class InvariantSampler {
  readonly violations: string[] = [];
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly roots: string[]) {}

  start(everyMs = 3): this {
    const { existsSync, readlinkSync } = fsSync;
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      for (const root of this.roots) {
        let target: string;
        try {
          target = readlinkSync(join(root, 'current'));
        } catch {
          if (this.seen.has(root)) this.violations.push(`${root}: current missing`);
          continue;
        }
        this.seen.add(root);
        const m = /^slots\/(\d+)$/.exec(target);
        if (!m) this.violations.push(`${root}: current -> ${target}`);
        else if (!existsSync(join(root, '.fleetswap', 'slot-meta', `${m[1]}.json`))) this.violations.push(`${root}: current -> incomplete ${target}`);
      }
      this.busy = false;
    }, everyMs);
    return this;
  }

  stop(): string[] {
    clearInterval(this.timer);
    return this.violations;
  }
}

/** collect reads an async iterable (the audit log's entries) into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}
