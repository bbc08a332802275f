import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FleetswapError } from '../../shared/errors.js';

// The dashboard's files: plain HTML, CSS and ES modules from
// coordinator/http/public/ (tsc does not copy them into dist/, so they are
// found beside the installation, as proto/ is), and uPlot from its package.
// All are read once, at start, into memory and served by exact name: no
// path from a request ever reaches the file system.

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** publicDir finds coordinator/http/public from both the TypeScript sources and dist/. */
function publicDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'coordinator', 'http', 'public');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new FleetswapError('INTERNAL', 'coordinator/http/public not found beside the installation');
}

function asset(body: Buffer, name: string): Asset {
  const type = TYPES[extname(name)];
  if (!type) throw new FleetswapError('INTERNAL', `no content type for ${name}`);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * loadAssets reads every file under public/ (served as /static/NAME, pages
 * as NAME.html) and uPlot's module and stylesheet (/static/vendor/...).
 */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const root = publicDir();
  const out = new Map<string, Asset>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(dir, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) out.set(`${prefix}${e.name}`, asset(await readFile(join(dir, e.name)), e.name));
    }
  };
  await walk(root, '');
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  out.set('vendor/uPlot.esm.js', asset(await readFile(join(uplot, 'uPlot.esm.js')), 'uPlot.esm.js'));
  out.set('vendor/uPlot.min.css', asset(await readFile(join(uplot, 'uPlot.min.css')), 'uPlot.min.css'));
  return out;
}
