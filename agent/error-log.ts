import { open, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';

const READ_CHUNK = 1 << 20;

/**
 * ErrorLogCounter counts new lines matching a pattern in the app's error
 * log. It follows the file by path, the way `tail -F` does: a file that does
 * not exist yet is picked up when it appears, a rotated file (new inode) is
 * read from its start, a truncated one from its new end of data. chokidar's
 * events make it read promptly; take() reads too, so a missed event costs
 * nothing but latency.
 */
export class ErrorLogCounter {
  private offset = 0;
  private inode: number | undefined;
  private partial = '';
  private count = 0;
  private reading: Promise<void> = Promise.resolve();
  private watcher: FSWatcher | undefined;
  private readonly pattern: RegExp;

  constructor(
    private readonly path: string,
    pattern: RegExp,
  ) {
    // A global or sticky regex keeps state between test() calls; counting needs none.
    this.pattern = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
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

  /** take returns the matching lines counted since the last take. */
  async take(): Promise<number> {
    await this.read();
    const n = this.count;
    this.count = 0;
    return n;
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
        for (const line of lines) if (this.pattern.test(line)) this.count++;
      }
    } finally {
      await fh.close();
    }
  }
}
