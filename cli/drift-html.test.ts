import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFT_STATES, type DriftEvent, type DriftHost, type DriftPath, type DriftReport, type DriftState } from '../shared/drift.js';
import { driftHtml } from './drift-html.js';

// The drift page as a string (structure, order, escaping, nothing external)
// and as Debian's headless chromium renders it (the script runs without
// errors, honours a filter in the URL hash, and the page paints). Chromium is
// not optional: .ci/run installs it, and a missing browser fails the test.

const HOSTILE_PATH = 'static/<script>alert(1)</script>.js';

function aPath(path: string, change: DriftPath['change'] = 'changed'): DriftPath {
  return { path, change };
}

function anEvent(over: Partial<DriftEvent> = {}): DriftEvent {
  return { kind: 'content-drift', paths: [], detected_at: '2025-03-04T09:00:00Z', action: 'reported', resolved_at: null, ...over };
}

function aHost(host: string, state: DriftState, over: Partial<DriftHost> = {}): DriftHost {
  return {
    host,
    tags: { role: host.replace(/-\d+$/, ''), region: 'eu-west' },
    desired: 'v42',
    live: state === 'in-sync' || state === 'content-drift' ? 'v42' : 'v41',
    desired_id: 'a42'.padEnd(64, '0'),
    live_id: (state === 'in-sync' || state === 'content-drift' ? 'a42' : 'a41').padEnd(64, '0'),
    state,
    paths: { count: 0, first: [] },
    events: [],
    ...over,
  };
}

function aReport(hosts: DriftHost[]): DriftReport {
  const summary = { hosts: hosts.length, 'in-sync': 0, 'content-drift': 0, 'version-drift': 0, 'no-release': 0, offline: 0, converging: 0 };
  for (const h of hosts) summary[h.state]++;
  return { generated_at: '2025-03-04T10:15:30.123Z', coordinator: 'coord-a.internal', summary, hosts };
}

const sevenPaths = [
  aPath('app/index.js'),
  aPath('app/config/settings.json'),
  aPath('app/lib/new-helper.js', 'added'),
  aPath('public/robots.txt', 'removed'),
  aPath('bin/run', 'mode'),
  aPath('app/lib/util.js'),
  aPath('app/lib/db.js'),
];

/** fleet is twelve hosts in every state, listed out of display order on purpose. */
const fleet: DriftHost[] = [
  aHost('web-2', 'in-sync', {
    events: [anEvent({ paths: [aPath('app/index.js')], detected_at: '2025-03-03T22:10:00Z', action: 'reverted (evidence kept in slot 3)', resolved_at: '2025-03-03T22:10:04Z' })],
  }),
  aHost('api-2', 'version-drift', {
    tags: { role: 'api', region: 'us-east' },
    events: [anEvent({ kind: 'version-drift', detected_at: '2025-03-04T08:55:00Z', action: 'reported' })],
  }),
  aHost('web-10', 'content-drift', {
    tags: { role: 'web', region: 'us-east' },
    paths: { count: 1, first: [aPath('app/index.js')] },
    events: [anEvent({ paths: [aPath('app/index.js')], detected_at: '2025-03-04T10:01:00Z', action: 'reverting' })],
  }),
  aHost('cache-1', 'in-sync', {
    tags: {},
    events: [anEvent({ kind: 'symlink-moved', detected_at: '2025-03-02T07:00:00Z', action: 'reverted', resolved_at: '2025-03-02T07:00:01Z' })],
  }),
  aHost('web-1', 'content-drift', {
    paths: { count: 7, first: sevenPaths.slice(0, 5) },
    events: [
      anEvent({ paths: sevenPaths, detected_at: '2025-03-04T10:02:00Z', action: 'reported' }),
      anEvent({ paths: sevenPaths.slice(0, 2), detected_at: '2025-03-04T09:40:00Z', action: 'reverting' }),
      anEvent({ paths: [aPath('app/index.js')], detected_at: '2025-03-01T12:00:00Z', action: 'reverted', resolved_at: '2025-03-01T12:00:03Z' }),
    ],
  }),
  aHost('batch-1', 'offline', { tags: { role: 'batch', region: 'us-east' } }),
  aHost('web-4', 'converging', {
    events: [anEvent({ kind: 'version-drift', detected_at: '2025-03-04T10:14:00Z', action: 'switching to v42' })],
  }),
  aHost('api-1', 'version-drift', {
    desired: '',
    desired_id: '',
    events: [anEvent({ kind: 'version-drift', detected_at: '2025-03-04T09:30:00Z', action: 'reported' })],
  }),
  aHost('web-3', 'content-drift', {
    tags: { role: 'web', region: 'eu-west', team: 'a&b "ops"' },
    paths: { count: 2, first: [aPath(HOSTILE_PATH, 'added'), aPath('app/index.js')] },
    events: [anEvent({ paths: [aPath(HOSTILE_PATH, 'added'), aPath('app/index.js')], detected_at: '2025-03-04T09:58:00Z', action: 'reported' })],
  }),
  aHost('web-6', 'in-sync'),
  aHost('api-3', 'in-sync', { tags: { role: 'api', region: 'us-east' } }),
  aHost('web-5', 'converging', {
    tags: { role: 'web', region: 'us-east' },
    events: [anEvent({ paths: [aPath('app/index.js')], detected_at: '2025-03-04T10:12:00Z', action: 'reverting' })],
  }),
];

const DISPLAY_ORDER = ['web-1', 'web-3', 'web-10', 'api-1', 'api-2', 'web-4', 'web-5', 'batch-1', 'api-3', 'cache-1', 'web-2', 'web-6'];

interface Row {
  host: string;
  hidden: boolean;
  tag: string;
}

/** hostRows reads each host's <tbody> opening tag, in document order. */
function hostRows(html: string): Row[] {
  return [...html.matchAll(/<tbody\b[^>]*\bclass="host\b[^>]*>/g)].map(([tag]) => ({
    host: /data-host="([^"]*)"/.exec(tag)?.[1] ?? '?',
    hidden: /\shidden(=|\s|>)/.test(tag),
    tag,
  }));
}

/** rowOf is the host's <tbody> element as text. */
function rowOf(html: string, host: string): string {
  const start = html.indexOf(`data-host="${host}"`);
  expect(start, `row for ${host}`).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</tbody>', start));
}

function cells(row: string): string[] {
  return [...row.matchAll(/<td\b[^>]*>(.*?)<\/td>/gs)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
}

describe('driftHtml', () => {
  const html = driftHtml(aReport(fleet));

  it('sums up first: the generated time, the coordinator, one tile per state', () => {
    expect(html.indexOf('class="tiles"')).toBeLessThan(html.indexOf('<table'));
    expect(html).toContain('2025-03-04 10:15:30 UTC');
    expect(html).toContain('coord-a.internal');
    expect(html).toContain('5 of 12 hosts drifted');
    const tiles = [...html.matchAll(/<label class="([^"]*)" data-state="([^"]+)">.*?<b>(\d+)<\/b>/g)].map((m) => [m[2], Number(m[3]), m[1]]);
    expect(tiles.map(([st, n]) => [st, n])).toEqual([
      ['content-drift', 3],
      ['version-drift', 2],
      ['no-release', 0],
      ['converging', 2],
      ['offline', 1],
      ['in-sync', 4],
    ]);
    expect(tiles.filter(([, , cls]) => String(cls).includes('loud')).map(([st]) => st)).toEqual(['content-drift', 'version-drift']);
    expect(html).toMatch(/<div class="tile total"><b>12<\/b>/);
  });

  it('says so, quietly, when nothing drifted', () => {
    const calm = driftHtml(aReport([aHost('web-1', 'in-sync'), aHost('web-2', 'offline')]));
    expect(calm).toContain('no drift on 2 hosts');
    expect(calm).not.toMatch(/class="tile[^"]*loud/);
  });

  it('shows a host with no release loud, after the drifted, and says so in the verdict', () => {
    const page = driftHtml(aReport([aHost('web-1', 'in-sync'), aHost('web-2', 'no-release', { desired: '', desired_id: '', live: '', live_id: '' }), aHost('web-3', 'version-drift')]));
    expect(page).toContain('1 of 3 hosts drifted, 1 with no release');
    expect(hostRows(page).map((r) => r.host)).toEqual(['web-3', 'web-2', 'web-1']);
    expect(page).toMatch(/<label class="tile s-no-release loud" data-state="no-release">.*?<b>1<\/b><span>no release<\/span>/);
    expect(cells(rowOf(page, 'web-2')).slice(2, 5)).toEqual(['none', 'none', 'no release']);
    expect(driftHtml(aReport([aHost('web-2', 'no-release', { desired: '', desired_id: '' })]))).toContain('<span class="verdict bad">1 with no release</span>');
  });

  it('puts drifted hosts on top, in state order, then by host id with numbers in order', () => {
    expect(hostRows(html).map((r) => r.host)).toEqual(DISPLAY_ORDER);
    expect(DRIFT_STATES).toEqual(['content-drift', 'version-drift', 'no-release', 'converging', 'offline', 'in-sync']);
  });

  it('shows every row without JavaScript: nothing is hidden in the page as sent', () => {
    expect(hostRows(html).filter((r) => r.hidden)).toEqual([]);
    expect(html).toContain('<span id="shown">12 hosts</span>');
  });

  it.each([
    // host, first detected, last action, resolved at
    ['web-1', '2025-03-04 09:40:00', 'reported', 'open'], // the oldest open event, not the resolved one
    ['web-2', '-', 'reverted (evidence kept in slot 3)', '2025-03-03 22:10:04'],
    ['web-6', '-', '-', '-'],
  ])('%s: first detected %s, last action %s, resolved %s', (host, detected, action, resolved) => {
    const c = cells(rowOf(html, host));
    expect(c.slice(6, 9)).toEqual([detected, action, resolved]);
  });

  it('lists the first changed paths with their kind, and how many more', () => {
    const row = rowOf(html, 'web-1');
    expect(row).toContain('7 paths');
    expect(row).toContain('<span class="chg chg-removed">removed</span><code>public/robots.txt</code>');
    expect(row).toContain('+2 more');
    expect(row).toMatch(/<details><summary>3 events, 2 open<\/summary>/);
    expect(cells(rowOf(html, 'api-1'))[2]).toBe('none'); // no desired release
  });

  it('escapes every string from the report', () => {
    const evil = driftHtml(
      aReport([
        aHost('h"><img onerror=x>', 'content-drift', {
          tags: { "k'<": 'v&"x"' },
          live: '</td><b>v',
          paths: { count: 1, first: [aPath(HOSTILE_PATH)] },
          events: [anEvent({ paths: [aPath(HOSTILE_PATH)], action: '<i>reverted</i>' })],
        }),
      ]),
    );
    expect(evil).toContain('static/&#60;script&#62;alert(1)&#60;/script&#62;.js');
    expect(evil).not.toContain('<script>alert');
    expect(evil.match(/<script/g)).toHaveLength(1); // the page's own
    expect(evil).not.toContain('<img');
    expect(evil).toContain('data-host="h&#34;&#62;&#60;img onerror=x&#62;"');
    expect(evil).not.toContain('<i>');
    expect(evil).toContain('k&#39;&#60;=v&#38;&#34;x&#34;');
    expect(evil).toContain('&#60;/td&#62;&#60;b&#62;v');
  });

  it('shows control and bidi characters in paths, tags and ids as visible escapes', () => {
    // U+202E would make "gpj.exe" read as "exe.jpg"; ESC and a newline would hide in the page's text.
    const page = driftHtml(
      aReport([
        aHost('web-9', 'content-drift', {
          tags: { role: 'web\u2066x' },
          paths: { count: 1, first: [aPath('static/\u202egpj.exe\x1b[2J\nx')] },
          events: [anEvent({ paths: [aPath('static/\u202egpj.exe')], action: 'reported\u200f' })],
        }),
      ]),
    );
    expect(page).not.toMatch(/[\u202e\u2066\u200f\x1b]/);
    expect(page).toContain('<code>static/\\u202egpj.exe\\x1b[2J\\nx</code>');
    expect(page).toContain('role=web\\u2066x');
    expect(page).toContain('reported\\u200f');
  });

  it('forbids forms and <base> in its CSP, which do not fall back to default-src', () => {
    const csp = /Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
    expect(csp.split('; ')).toEqual(expect.arrayContaining(["default-src 'none'", "form-action 'none'", "base-uri 'none'"]));
  });

  it('loads nothing from anywhere: no external src/href, stylesheet links, imports or urls', () => {
    expect(html).not.toMatch(/\b(src|href|action)\s*=\s*["']?\s*(https?:|\/\/)/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; /);
  });

  it('renders an empty fleet', () => {
    expect(driftHtml(aReport([]))).toContain('no hosts in the report');
  });
});

// ---- headless chromium ----------------------------------------------------

const LAUNCH_TIMEOUT_MS = 60_000;

function chromium(): string {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium not found: run `apt-get install chromium` (Debian; .ci/run installs it in CI)');
  }
}

let dir = '';
let page = '';
let launches = 0;

/** browse runs one headless chromium with its own profile and returns its stdout. */
function browse(args: string[]): Promise<string> {
  const bin = chromium();
  const profile = join(dir, `profile-${launches++}`);
  const all = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`, ...args];
  return new Promise((resolve, reject) => {
    execFile(bin, all, { timeout: LAUNCH_TIMEOUT_MS, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`chromium ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe('driftHtml in headless chromium', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drift-html-'));
    page = join(dir, 'drift.html');
    await writeFile(page, driftHtml(aReport(fleet)));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the script without errors and keeps every row and every path as text', { timeout: LAUNCH_TIMEOUT_MS + 5_000 }, async () => {
    const dom = await browse(['--dump-dom', pathToFileURL(page).href]);
    expect(dom).toMatch(/<html[^>]*\bclass="js"/);
    expect(dom).toMatch(/<html[^>]*\bdata-filter="ready"/); // the script's last statement
    expect(dom).toContain('showing 12 of 12 hosts');
    expect(hostRows(dom).map((r) => [r.host, r.hidden])).toEqual(DISPLAY_ORDER.map((h) => [h, false]));
    expect(dom).toContain('static/&lt;script&gt;alert(1)&lt;/script&gt;.js');
    expect(dom).not.toContain('<script>alert');
  });

  it('honours a filter in the URL hash: states and text together', { timeout: LAUNCH_TIMEOUT_MS + 5_000 }, async () => {
    // The states alone keep the five drifted hosts, the text alone every
    // eu-west host; together only the drifted ones in eu-west.
    const url = `${pathToFileURL(page).href}#state=content-drift,version-drift&q=region%3Deu-west`;
    const dom = await browse(['--dump-dom', url]);
    const rows = hostRows(dom);
    expect(rows.filter((r) => !r.hidden).map((r) => r.host)).toEqual(['web-1', 'web-3', 'api-1']);
    expect(rows.filter((r) => r.hidden)).toHaveLength(9);
    expect(dom).toContain('showing 3 of 12 hosts');
  });

  it('paints the page to a PNG', { timeout: LAUNCH_TIMEOUT_MS + 5_000 }, async () => {
    const shot = join(dir, 'drift.png');
    await browse([`--screenshot=${shot}`, '--window-size=1280,900', pathToFileURL(page).href]);
    expect((await stat(shot)).size).toBeGreaterThan(10_000); // a blank 1280x900 page is about 5 KB
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 900]);
  });
});
