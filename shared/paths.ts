import { FleetswapError } from './errors.js';

// Limits on names in a release tree. PATH_MAX and NAME_MAX as on Linux, so a
// manifest that passes here can be written on any host.
export const MAX_PATH_BYTES = 4096;
export const MAX_SEGMENT_BYTES = 255;
// A symlink chain longer than this is a loop (Linux gives ELOOP at 40).
const MAX_SYMLINK_HOPS = 40;

/**
 * checkRelativePath refuses anything but a normalised relative path inside
 * the tree: no leading `/`, no empty, `.` or `..` segment, no NUL, valid
 * UTF-8, within Linux limits (CONTRACT invariant 4).
 */
export function checkRelativePath(path: string): void {
  const bad = (why: string): never => {
    throw new FleetswapError('BAD_PATH', `refused path ${JSON.stringify(path)}: ${why}`);
  };
  if (path.length === 0) bad('it is empty');
  if (!path.isWellFormed()) bad('it is not valid UTF-8');
  if (path.includes('\0')) bad('it contains a NUL byte');
  if (path.startsWith('/')) bad('it is absolute; paths must be relative to the release root');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) bad(`it is longer than ${MAX_PATH_BYTES} bytes`);
  for (const seg of path.split('/')) {
    if (seg === '') bad('it has an empty segment (a doubled or trailing "/")');
    if (seg === '.' || seg === '..') bad(`it has a "${seg}" segment; paths must be normalised`);
    if (Buffer.byteLength(seg) > MAX_SEGMENT_BYTES) bad(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
}

/** parentDirs lists the ancestors of a relative path, nearest last: a/b/c -> [a, a/b]. */
export function parentDirs(path: string): string[] {
  const segs = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segs.length; i++) out.push(segs.slice(0, i).join('/'));
  return out;
}

/**
 * symlinkEscapes tells whether following the symlink at `linkPath` (with
 * `target`) leaves the tree, resolving through the tree's other symlinks as
 * the kernel would: `d/up -> ..` stays inside, but `x -> d/up/..` does not,
 * which a purely lexical check would miss.
 */
export function symlinkEscapes(linkPath: string, target: string, links: ReadonlyMap<string, string>): boolean {
  if (target.startsWith('/')) return true;
  const parts = linkPath.split('/').slice(0, -1);
  let queue = target.split('/');
  let hops = 0;
  for (let i = 0; i < queue.length; i++) {
    const comp = queue[i] as string;
    if (comp === '' || comp === '.') continue;
    if (comp === '..') {
      if (parts.length === 0) return true;
      parts.pop();
      continue;
    }
    parts.push(comp);
    const next = links.get(parts.join('/'));
    if (next === undefined) continue;
    if (++hops > MAX_SYMLINK_HOPS) return true;
    if (next.startsWith('/')) return true;
    parts.pop();
    queue = [...next.split('/'), ...queue.slice(i + 1)];
    i = -1;
  }
  return false;
}

/** compareUtf8 orders strings by their UTF-8 bytes, the manifest's canonical order. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
