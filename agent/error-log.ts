import { open, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import { AGENT_DEFAULTS } from './defaults.js';

const READ_CHUNK = 1 << 20;

/** What starts an incident unless `--error-pattern` says otherwise. */
export const DEFAULT_ERROR_PATTERN = AGENT_DEFAULTS.errorPattern;
/** An incident with no new line for this long is over (`--incident-gap`). */
export const DEFAULT_INCIDENT_GAP_MS = AGENT_DEFAULTS.incidentGapMs;
/** A line that is neither a start nor shaped like a trace line belongs to the open incident only if it follows within this. */
export const CONTINUATION_GAP_MS = 100;

/**
 * Lines shaped like the inside of a stack trace (Java, Node, Python, PHP,
 * Go, .NET): indented frames, `Caused by`, a Python `Traceback` header or
 * its chained-exception notes, PHP's `Stack trace:` and `#0` frames, and
 * Java's `... 5 more`. Several of these name an exception and so match the
 * start pattern; their shape says they continue one.
 */
const TRACE_LINE = /^(?:\s|$|at |Caused by|Suppressed:|Traceback|File "|\.\.\.|Stack trace:|#\d+ |During handling of the above exception|The above exception was the direct cause)/;

/** The lines of a trace that never start an incident: frames, and the elisions between them. */
const FRAME = /^(?:\s|at |\.\.\.|#\d+ )/;

/**
 * An exception header (`java.lang.IllegalStateException: boom`,
 * `TypeError: x`) on the line after a log line that announced an error, in
 * the same read, is that error's trace, not a second error: loggers write
 * the message, then the exception. Case matters: `ERROR` is a log level,
 * `Error` a type.
 */
const EXCEPTION_HEADER = /^(?:[A-Za-z_$][\w$]*\.)*[\w$]*(?:Error|Exception|Throwable)(?::|$)/;

export interface IncidentRules {
  /** A line matching this starts an incident, unless its shape says it continues the open one. */
  start: RegExp;
  /** The incident is over after this long with no line of it. */
  gapMs: number;
  /** @default CONTINUATION_GAP_MS */
  continuationGapMs?: number;
}

/** ErrorCounts are what the error log said over one vitals interval. */
export interface ErrorCounts {
  /** Lines matching the start pattern, as today: shown to operators. */
  lines: number;
  /** Incidents that started: a multi-line stack trace is one. */
  incidents: number;
  /** Whole seconds of the host clock in which an incident started, each counted once ever. */
  seconds: number;
}

interface Open {
  /** When its last line arrived. */
  lastMs: number;
  /** How many lines it has. */
  lines: number;
  /** Whether its first line is itself an exception header. */
  headed: boolean;
  /** Inside a Python traceback: the next unindented line is its exception, and ends it. */
  traceback: boolean;
}

/**
 * IncidentGrouper turns error-log lines, each with the time it was read,
 * into incidents. The judge needs events it can treat as independent: one
 * exception writes a burst of lines, and counting lines counts the burst.
 * A line matching the start pattern opens an incident, unless it continues
 * the open one: shaped like a trace line (TRACE_LINE) within the gap, an
 * exception header read with the announcing line, a Python traceback's
 * closing exception, or any other non-start line within the short gap.
 * A frame that belongs to no incident (it came after the gap) is ignored:
 * a frame alone is not a new error.
 */
export class IncidentGrouper {
  private readonly start: RegExp;
  private readonly gapMs: number;
  private readonly shortGapMs: number;
  private open: Open | undefined;
  private counts: ErrorCounts = { lines: 0, incidents: 0, seconds: 0 };
  /** The newest second already counted: read times only go forward, so one value keeps seconds distinct across takes. */
  private lastSecond = -Infinity;

  constructor(rules: IncidentRules) {
    // A global or sticky regex keeps state between test() calls; matching needs none.
    this.start = new RegExp(rules.start.source, rules.start.flags.replace(/[gy]/g, ''));
    this.gapMs = rules.gapMs;
    this.shortGapMs = rules.continuationGapMs ?? CONTINUATION_GAP_MS;
  }

  /** line takes one complete line (no newline) read at atMs. */
  line(text: string, atMs: number): void {
    const starts = this.start.test(text);
    if (starts) this.counts.lines++;
    const open = this.open && atMs - this.open.lastMs <= this.gapMs ? this.open : undefined;
    if (open && this.continues(open, text, starts, atMs)) {
      open.lastMs = atMs;
      open.lines++;
      return;
    }
    if (!open) this.open = undefined;
    // A frame whose incident is over is not a new error, even when a class name in it says Error.
    if (!starts || FRAME.test(text)) return;
    this.open = { lastMs: atMs, lines: 1, headed: EXCEPTION_HEADER.test(text), traceback: false };
    this.counts.incidents++;
    const second = Math.floor(atMs / 1000);
    if (second > this.lastSecond) {
      this.lastSecond = second;
      this.counts.seconds++;
    }
  }

  private continues(open: Open, text: string, starts: boolean, atMs: number): boolean {
    if (TRACE_LINE.test(text)) {
      if (/^Traceback/.test(text)) open.traceback = true;
      return true;
    }
    const soon = atMs - open.lastMs <= this.shortGapMs;
    if (open.traceback) {
      // Python ends a traceback with the exception, unindented (`ValueError: bad`).
      open.traceback = false;
      return true;
    }
    if (!starts) return soon;
    // Only from the same read: a logger writes the message and its exception at once, and
    // two errors a few ms apart (the first a single line) are two.
    return atMs === open.lastMs && open.lines === 1 && !open.headed && EXCEPTION_HEADER.test(text);
  }

  /** take returns the counts since the last take. */
  take(): ErrorCounts {
    const c = this.counts;
    this.counts = { lines: 0, incidents: 0, seconds: 0 };
    return c;
  }
}

/**
 * ErrorLogCounter follows the app's error log by path, the way `tail -F`
 * does, and groups its lines into incidents (IncidentGrouper): a file that
 * does not exist yet is picked up when it appears, a rotated file (new
 * inode) is read from its start, a truncated one from its new end of data.
 * chokidar's events make it read promptly, which matters: a line's time is
 * when it was read. take() reads too, so a missed event costs nothing but
 * that precision.
 */
export class ErrorLogCounter {
  private offset = 0;
  private inode: number | undefined;
  private partial = '';
  private readonly grouper: IncidentGrouper;
  private reading: Promise<void> = Promise.resolve();
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly path: string,
    rules: IncidentRules,
    private readonly now: () => number = Date.now,
  ) {
    this.grouper = new IncidentGrouper(rules);
  }

  /** start begins at the current end of the log: only lines written from now on count. */
  async start(): Promise<void> {
    const st = await stat(this.path).catch(() => undefined);
    if (st) {
      this.offset = st.size;
      this.inode = st.ino;
    }
    this.watcher = watch(this.path, { ignoreInitial: true, persistent: false });
    const poke = () => void this.read();
    this.watcher.on('add', poke).on('change', poke).on('error', () => undefined);
  }

  /** take returns what was counted since the last take. */
  async take(): Promise<ErrorCounts> {
    await this.read();
    return this.grouper.take();
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    await this.reading;
  }

  /** read is serialised: two overlapping reads would count the same bytes twice. */
  private read(): Promise<void> {
    this.reading = this.reading.then(() => this.readNew()).catch(() => undefined);
    return this.reading;
  }

  private async readNew(): Promise<void> {
    const st = await stat(this.path).catch(() => undefined);
    if (!st) return;
    if (st.ino !== this.inode || st.size < this.offset) {
      // Rotated (another file now has the name) or truncated: its lines start at 0.
      this.inode = st.ino;
      this.offset = 0;
      this.partial = '';
    }
    if (st.size === this.offset) return;
    const fh = await open(this.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const lines = (this.partial + buf.toString('utf8', 0, bytesRead)).split('\n');
        // The last piece has no newline yet: the app may still be writing it.
        this.partial = lines.pop() ?? '';
        const at = this.now();
        for (const line of lines) this.grouper.line(line.endsWith('\r') ? line.slice(0, -1) : line, at);
      }
    } finally {
      await fh.close();
    }
  }
}
