import { appendFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, tempDir } from '../test/fixtures.js';
import { DEFAULT_ERROR_PATTERN, DEFAULT_INCIDENT_GAP_MS, ErrorLogCounter, IncidentGrouper, type ErrorCounts } from './error-log.js';

// Grouping error-log lines into incidents, from lines with the times they
// were read; then the follower on real files: `tail -F` semantics.

const JAVA = [
  '2026-12-01 12:00:00,123 ERROR [http-7] c.e.OrderController - request failed',
  'java.lang.IllegalStateException: order 42 has no lines',
  '\tat com.example.OrderService.total(OrderService.java:88)',
  '\tat com.example.ErrorHandlingFilter.doFilter(ErrorHandlingFilter.java:31)',
  'Caused by: java.sql.SQLException: connection reset',
  '\tat org.postgresql.Driver.connect(Driver.java:12)',
  '\t... 42 more',
].join('\n');

const NODE = ['TypeError: Cannot read properties of undefined (reading \'id\')', '    at handler (/srv/app/routes.js:14:20)', '    at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)'].join('\n');

const PYTHON = [
  'ERROR:app.views:checkout failed',
  'Traceback (most recent call last):',
  '  File "/srv/app/views.py", line 12, in checkout',
  '    total = cart.total()',
  'KeyError: \'sku\'',
  '',
  'During handling of the above exception, another exception occurred:',
  '',
  'Traceback (most recent call last):',
  '  File "/srv/app/views.py", line 14, in checkout',
  '    raise CheckoutError(cart)',
  'app.errors.CheckoutError: cart 7',
].join('\n');

const PHP = [
  'PHP Fatal error:  Uncaught Exception: no such order in /var/www/orders.php:3',
  'Stack trace:',
  '#0 /var/www/index.php(5): find_order()',
  '#1 {main}',
  '  thrown in /var/www/orders.php on line 3',
].join('\n');

interface Case {
  name: string;
  /** What the log gets, and when the agent reads it (ms); a take after each group. */
  takes: { feed: [number, string][]; expect: ErrorCounts }[];
  gapMs?: number;
  pattern?: RegExp;
}

const CASES: Case[] = [
  { name: 'a Java error: the log line, the exception, frames, a cause', takes: [{ feed: [[1_000, JAVA]], expect: { lines: 4, incidents: 1, seconds: 1 } }] },
  { name: 'two Node errors a second apart', takes: [{ feed: [[1_000, NODE], [2_500, NODE]], expect: { lines: 2, incidents: 2, seconds: 2 } }] },
  { name: 'two Node errors written at once are two', takes: [{ feed: [[1_000, `${NODE}\n${NODE}`]], expect: { lines: 2, incidents: 2, seconds: 1 } }] },
  { name: 'a Python traceback with a chained exception, logged by logging.exception', takes: [{ feed: [[1_000, PYTHON]], expect: { lines: 5, incidents: 1, seconds: 1 } }] },
  { name: 'a bare Python traceback (no log line before it)', takes: [{ feed: [[1_000, PYTHON.split('\n').slice(1, 5).join('\n')]], expect: { lines: 1, incidents: 1, seconds: 1 } }] },
  { name: 'a PHP fatal error with its stack', takes: [{ feed: [[1_000, PHP]], expect: { lines: 1, incidents: 1, seconds: 1 } }] },
  {
    name: 'single-line errors interleaved with a trace from another request',
    takes: [
      {
        feed: [
          [1_000, 'ERROR db timeout\nINFO GET /health 200\nERROR cache miss storm'],
          [1_200, 'Error: boom\n    at a (/srv/a.js:1:1)'],
          [1_220, 'FATAL out of memory\n    at b (/srv/b.js:2:2)'],
          [1_900, 'ERROR db timeout'],
          [2_100, 'ERROR db timeout'],
        ],
        expect: { lines: 6, incidents: 6, seconds: 2 },
      },
    ],
  },
  {
    name: 'a trace split across reads, mid-way through its frames',
    takes: [
      { feed: [[1_000, JAVA.split('\n').slice(0, 3).join('\n')]], expect: { lines: 2, incidents: 1, seconds: 1 } },
      { feed: [[1_400, JAVA.split('\n').slice(3).join('\n')]], expect: { lines: 2, incidents: 0, seconds: 0 } },
    ],
  },
  {
    name: 'a trace that keeps going past the gap, a line every 600 ms, is one incident',
    takes: [{ feed: [[1_000, 'Error: slow'], ...Array.from({ length: 6 }, (_, i): [number, string] => [1_600 + i * 600, `    at f${i} (/srv/f.js:1:1)`])], expect: { lines: 1, incidents: 1, seconds: 1 } }],
  },
  {
    name: 'after the gap, a frame or a cause is not a new error; a new start is',
    takes: [
      {
        feed: [
          [1_000, 'Error: first\n    at a (/srv/a.js:1:1)'],
          [2_500, '    at ErrorBoundary.render (/srv/b.js:2:2)'],
          [2_600, '\tat com.example.ErrorHandler.handle(ErrorHandler.java:9)\n\t... 3 more'],
          [2_700, 'Caused by: java.io.IOException: gone'],
          [4_000, 'Error: second'],
        ],
        expect: { lines: 5, incidents: 3, seconds: 3 },
      },
    ],
  },
  {
    name: 'an unshaped line continues the incident only within the short gap',
    takes: [{ feed: [[1_000, 'ERROR request failed\ncontext: user=7'], [1_500, 'retrying'], [1_600, 'java.lang.IllegalStateException: again']], expect: { lines: 2, incidents: 2, seconds: 1 } }],
  },
  {
    name: 'an exception joins the line announcing it only when read with it: 50 ms later it is another error',
    takes: [{ feed: [[1_000, 'ERROR [main] request failed\njava.lang.IllegalStateException: a'], [1_050, 'ERROR [main] request failed'], [1_100, 'java.lang.IllegalStateException: b']], expect: { lines: 4, incidents: 3, seconds: 1 } }],
  },
  {
    name: 'a longer --incident-gap keeps a slow trace together',
    gapMs: 5_000,
    takes: [{ feed: [[1_000, 'Error: slow'], [4_000, '    at a (/srv/a.js:1:1)'], [8_500, 'Caused by: Exception: disk']], expect: { lines: 2, incidents: 1, seconds: 1 } }],
  },
  {
    name: '--error-pattern says what starts one: here only [ERROR] lines',
    pattern: /^\[ERROR\]/,
    takes: [{ feed: [[1_000, '[WARN] retrying after Exception: x\n[ERROR] gave up\n    at x'], [3_000, 'Error: not ours']], expect: { lines: 1, incidents: 1, seconds: 1 } }],
  },
  {
    name: 'a second is counted once, even when two samples share it',
    takes: [
      { feed: [[1_100, 'ERROR a']], expect: { lines: 1, incidents: 1, seconds: 1 } },
      { feed: [[1_900, 'ERROR b']], expect: { lines: 1, incidents: 1, seconds: 0 } },
      { feed: [[2_000, 'ERROR c\r']], expect: { lines: 1, incidents: 1, seconds: 1 } },
    ],
  },
];

describe('IncidentGrouper', () => {
  it.each(CASES)('$name', ({ takes, gapMs, pattern }) => {
    const g = new IncidentGrouper({ start: pattern ?? DEFAULT_ERROR_PATTERN, gapMs: gapMs ?? DEFAULT_INCIDENT_GAP_MS });
    takes.forEach(({ feed, expect: want }, i) => {
      for (const [at, text] of feed) for (const line of text.split('\n')) g.line(line, at);
      expect(g.take(), `take ${i + 1}`).toEqual(want);
    });
  });
});

describe('ErrorLogCounter', () => {
  let dir = '';
  let counter: ErrorLogCounter | undefined;
  afterEach(async () => {
    await counter?.close();
    await cleanup(dir);
  });

  const follow = async (pattern = /error/i) => {
    dir = await tempDir();
    const path = join(dir, 'app.log');
    counter = new ErrorLogCounter(path, { start: pattern, gapMs: DEFAULT_INCIDENT_GAP_MS });
    return { path, counter };
  };

  it('counts only lines written after it started, and only matching ones', async () => {
    const { path, counter } = await follow();
    await writeFile(path, 'ERROR old\nERROR old\n');
    await counter.start();
    await appendFile(path, 'info ok\nERROR new\nerror: also\nwarn\n');
    expect((await counter.take()).lines).toBe(2);
    expect((await counter.take()).lines).toBe(0);
  });

  it('waits for the end of a line the app is still writing', async () => {
    const { path, counter } = await follow();
    await writeFile(path, '');
    await counter.start();
    await appendFile(path, 'ERR');
    expect((await counter.take()).lines).toBe(0);
    await appendFile(path, 'OR half\n');
    expect((await counter.take()).lines).toBe(1);
  });

  it('groups a trace the app writes in pieces, one line cut in two, into one incident', async () => {
    const { path, counter } = await follow(DEFAULT_ERROR_PATTERN);
    await writeFile(path, '');
    await counter.start();
    await appendFile(path, 'Error: boom\n    at a (/srv/a.js:1:1)\n    at ErrorBoundary (/sr');
    expect(await counter.take()).toEqual({ lines: 1, incidents: 1, seconds: 1 });
    await appendFile(path, 'v/b.js:2:2)\n    at c (/srv/c.js:3:3)\n');
    // The cut line is whole now, and matches the pattern: a line, but no new incident.
    expect(await counter.take()).toEqual({ lines: 1, incidents: 0, seconds: 0 });
  });

  it('follows a file that does not exist yet', async () => {
    const { path, counter } = await follow();
    await counter.start();
    expect((await counter.take()).lines).toBe(0);
    await writeFile(path, 'error one\nerror two\n');
    expect((await counter.take()).lines).toBe(2);
  });

  it('survives truncation: counts what is written after it', async () => {
    const { path, counter } = await follow();
    await writeFile(path, 'error 1\nerror 2\nerror 3\n');
    await counter.start();
    await truncate(path, 0);
    await appendFile(path, 'error after truncate\n');
    expect((await counter.take()).lines).toBe(1);
  });

  it('survives rotation: the new file is read from its start', async () => {
    const { path, counter } = await follow();
    await writeFile(path, '');
    await counter.start();
    await appendFile(path, 'error before rotation\n');
    expect((await counter.take()).lines).toBe(1);
    await rename(path, `${path}.1`);
    await writeFile(path, 'error in the new file\nerror again\n');
    expect((await counter.take()).lines).toBe(2);
  });

  it('counts promptly from file events, not only when asked', async () => {
    const { path, counter } = await follow();
    await writeFile(path, '');
    await counter.start();
    await appendFile(path, 'error a\n');
    // chokidar's change event reads the line; the file then changes under a name it no longer has.
    await new Promise((r) => setTimeout(r, 300));
    await rename(path, `${path}.old`);
    expect((await counter.take()).lines).toBe(1);
  });
});
