import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFleetswapError } from '../shared/errors.js';
import { isPrivate, parseListen } from '../shared/listen.js';
import { silentLogger } from '../shared/log.js';
import { BIN, cleanup, freePort, runCli, tempDir, waitFor } from '../test/fixtures.js';
import { promtoolCheckMetrics } from '../test/prometheus.js';
import { AgentMetrics } from './metrics.js';
import { MetricsServer } from './metrics-server.js';

// The agent's --metrics-listen as someone on the network meets it: a real
// listener on 127.0.0.1, spoken to with raw sockets where a well-behaved
// client would not go (bodies, slow headers, floods). test/metrics.test.ts
// has the figures it serves from real agents.

/** raw sends bytes on a new connection and resolves with what came back once the server closed it (or after `waitMs`). */
function raw(port: number, bytes: string, waitMs = 3_000): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false, ms: Date.now() - started });
    }, waitMs);
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true, ms: Date.now() - started });
    });
    s.write(bytes);
  });
}

describe('the agent metrics listener', () => {
  let server: MetricsServer;
  let port: number;
  const url = () => `http://127.0.0.1:${port}/metrics`;

  beforeAll(async () => {
    server = await MetricsServer.start({ host: '127.0.0.1', port: 0 }, new AgentMetrics(), silentLogger());
    port = Number(server.address.split(':')[1]);
  });
  afterAll(() => server.stop());

  it('serves GET and HEAD /metrics in the text format promtool accepts', async () => {
    const res = await fetch(url());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('fleetswap_agent_drift_findings_total{kind="content"} 0');
    expect(await promtoolCheckMetrics(text)).toEqual({ code: 0, out: '' });
    const head = await fetch(url(), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${url()}?name[]=x`)).status).toBe(200);
  });

  it('answers nothing else: other paths 404, other methods 405, and the connection is closed', async () => {
    for (const path of ['/', '/metrics/', '/metrics/../admin', '/debug/pprof', '//metrics']) {
      const r = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(r.text, path).toMatch(/^HTTP\/1\.1 404 /);
      expect(r.closed, path).toBe(true);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']) {
      const r = await raw(port, `${method} /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
      expect(r.text, method).toMatch(/^HTTP\/1\.1 405 /);
      expect(r.text, method).toMatch(/\r\nAllow: GET, HEAD\r\n/);
      expect(r.closed, method).toBe(true);
    }
  });

  it('reads no request body: a request announcing a gigabyte is answered at once and cut off', async () => {
    for (const method of ['POST', 'GET']) {
      const r = await raw(port, `${method} /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nsome of it`);
      expect(r.text, method).toMatch(method === 'POST' ? /^HTTP\/1\.1 405 / : /^HTTP\/1\.1 413 /);
      expect(r.closed).toBe(true);
      expect(r.ms).toBeLessThan(1_000);
    }
    const chunked = await raw(port, `GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffff\r\n`);
    expect(chunked.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(chunked.closed).toBe(true);
  });

  it('refuses headers past 8 KiB', async () => {
    const r = await raw(port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(16 * 1024)}\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('cannot be held by slow clients: past 32 connections new ones are closed at once, and slow ones are cut off within seconds', async () => {
    const slow: Socket[] = [];
    const closed: Promise<number>[] = [];
    const started = Date.now();
    for (let i = 0; i < 32; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      // Read, or the end of the stream (the server's close) is never seen.
      s.resume();
      closed.push(new Promise((r) => s.on('close', () => r(Date.now() - started))));
      // Headers that never end (slowloris).
      s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      slow.push(s);
    }
    await new Promise((r) => setTimeout(r, 200));
    const extra = await raw(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(extra).toMatchObject({ text: '', closed: true });
    expect(extra.ms).toBeLessThan(1_000);
    const after = await Promise.all(closed);
    // The headers timeout (5 s), checked every second.
    expect(Math.max(...after)).toBeLessThan(8_000);
    expect((await fetch(url())).status).toBe(200);
    for (const s of slow) s.destroy();
  }, 20_000);

  it('says in one line that an address is in use', async () => {
    const err = await MetricsServer.start({ host: '127.0.0.1', port }, new AgentMetrics(), silentLogger()).catch((e: unknown) => e);
    expect(isFleetswapError(err) && err.code).toBe('BAD_USAGE');
    expect((err as Error).message).toBe(`cannot listen on --metrics-listen 127.0.0.1:${port}: the address is in use`);
  });

  it('warns when bound where anyone may reach it', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }));
    const open = await MetricsServer.start({ host: '0.0.0.0', port: 0 }, new AgentMetrics(), log);
    await open.stop();
    expect(lines.join('')).toContain('metrics listening on a public address: anyone who reaches it reads them');
  });
});

describe('--metrics-listen', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['localhost:9464', { host: '127.0.0.1', port: 9464 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['10.1.2.3:0', { host: '10.1.2.3', port: 0 }],
  ])('takes %s', (text, want) => expect(parseListen(text, '--metrics-listen')).toEqual(want));

  it.each(['example.com:9464', '9464', ':9464', '127.0.0.1', '127.0.0.1:99999', '127.0.0.1:-1', '[::1', '::1:9464', '1.2.3:80', '256.0.0.1:80', '127.0.0.1:80,10.0.0.1:80', 'http://127.0.0.1:9464', '127.0.0.1:9464/metrics', ''])(
    'refuses %j in one line',
    (text) => {
      expect(() => parseListen(text, '--metrics-listen')).toThrow(/^bad --metrics-listen .*: give ADDRESS:PORT with an IP address, e\.g\. 127\.0\.0\.1:9464 or \[::1\]:9464$/);
    },
  );

  it.each([
    ['127.0.0.1', true],
    ['10.0.0.1', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['0.0.0.0', false],
    ['8.8.8.8', false],
    ['::1', true],
    ['fd00::1', true],
    ['::', false],
    ['2001:db8::1', false],
  ])('knows whether %s is private: %s', (host, want) => expect(isPrivate(host)).toBe(want));

  it('stops `fleetswap agent` and `agent install` at a bad address, before anything is made', async () => {
    const dir = await tempDir();
    try {
      const root = join(dir, 'root');
      const agent = await runCli(['agent', '--coordinator', '127.0.0.1:1', '--id', 'h1', '--root', root, '--insecure', '--allow-unsigned', '--metrics-listen', 'metrics.example.com:9464']);
      expect(agent.code).toBe(2);
      expect(agent.stderr.trim().split('\n')).toEqual(['fleetswap: bad --metrics-listen "metrics.example.com:9464": give ADDRESS:PORT with an IP address, e.g. 127.0.0.1:9464 or [::1]:9464']);
      expect(existsSync(root)).toBe(false);
      const install = await runCli(['agent', 'install', '--id', 'h1', '--root', root, '--insecure', '--allow-unsigned', '--unit-dir', join(dir, 'units'), '--config-dir', join(dir, 'etc'), '--metrics-listen', '0.0.0.0']);
      expect(install.code).toBe(2);
      expect(install.stderr).toMatch(/^fleetswap: bad --metrics-listen "0\.0\.0\.0": /);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await cleanup(dir);
    }
  });

  it('is kept by `agent install`, and the agent its config starts serves /metrics', async () => {
    const dir = await tempDir();
    const address = `127.0.0.1:${await freePort()}`;
    try {
      const etc = join(dir, 'etc');
      const install = await runCli(['agent', 'install', '--id', 'h1', '--root', join(dir, 'root'), '--insecure', '--allow-unsigned', '--unit-dir', join(dir, 'units'), '--config-dir', etc, '--metrics-listen', address]);
      expect(install.stderr).toBe('');
      const config = JSON.parse(await readFile(join(etc, 'agent.json'), 'utf8')) as Record<string, unknown>;
      expect(config.metricsListen).toBe(address);
      const agent = spawn(process.execPath, [BIN, 'agent', '--config', join(etc, 'agent.json'), '--coordinator', '127.0.0.1:1'], { stdio: 'ignore' });
      try {
        const res = await waitFor('the agent serving /metrics', () => fetch(`http://${address}/metrics`).catch(() => undefined));
        expect(await res.text()).toContain('fleetswap_agent_connected 0');
      } finally {
        agent.kill('SIGKILL');
      }
    } finally {
      await cleanup(dir);
    }
  });
});
