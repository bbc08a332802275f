import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../bench/ports.js';

// Prometheus as the tests use it: the text format read back, promtool's
// checks, and a real Prometheus server (Debian's package) started on a free
// port with a config the test writes, its data in a temp dir.

/** Sample is one line of the text format: a metric's name, its labels, its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** parseExposition reads Prometheus' text format (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Metrics is a scrape read back: the samples, and each one's value by name and labels. */
export class Metrics {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = parseExposition(text);
  }

  /** all is every sample of `name` whose labels include `labels`. */
  all(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** value is the one sample of `name` with `labels` (undefined if none); more than one is an error. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.all(name, labels);
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
    return found[0]?.value;
  }

  /** sum adds every sample of `name` whose labels include `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.all(name, labels).reduce((a, s) => a + s.value, 0);
  }
}

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(input ?? '');
  });
}

/** promtoolCheckMetrics runs `promtool check metrics` on a scrape: code 0 and no output when it follows the conventions. */
export function promtoolCheckMetrics(text: string): Promise<{ code: number; out: string }> {
  return run('promtool', ['check', 'metrics'], text);
}

export function promtoolCheckRules(file: string): Promise<{ code: number; out: string }> {
  return run('promtool', ['check', 'rules', file]);
}

export function promtoolCheckConfig(file: string): Promise<{ code: number; out: string }> {
  return run('promtool', ['check', 'config', '--syntax-only', file]);
}

export interface ScrapeJob {
  job: string;
  /** host:port */
  target: string;
}

/** PrometheusServer is a real Prometheus scraping the given targets every second. */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  static async start(jobs: readonly ScrapeJob[], extraConfig = ''): Promise<PrometheusServer> {
    const dir = await mkdtemp(join(tmpdir(), 'fleetswap-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        extraConfig,
        'scrape_configs:',
        ...jobs.flatMap((j) => [`  - job_name: ${j.job}`, '    static_configs:', `      - targets: ['${j.target}']`]),
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const child = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const p = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`, () => out);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${out}`);
      const ready = await fetch(`${p.url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) return p;
      if (Date.now() > deadline) throw new Error(`prometheus not ready: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** query runs an instant PromQL query through the HTTP API and returns its vector. */
  async query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error ?? res.status}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** targets is each scrape target's job and health, as Prometheus sees them. */
  async targets(): Promise<{ job: string; health: string; lastError: string }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as { data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] } };
    return body.data.activeTargets.map((t) => ({ job: t.labels.job, health: t.health, lastError: t.lastError }));
  }

  log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
