import { open } from 'node:fs/promises';
import { userInfo, hostname } from 'node:os';
import cliProgress from 'cli-progress';
import type { KeyObject } from 'node:crypto';
import { FleetswapError, isFleetswapError } from '../shared/errors.js';
import { DEFAULT_FLEET, signRelease } from '../shared/signing.js';
import { buildManifest, checkLabel, type ReleaseMeta } from '../shared/manifest.js';
import { BLOB_CHUNK_BYTES } from '../shared/proto.js';
import { walkTree } from '../shared/tree.js';
import type { BlobChunk } from '../shared/gen/fleetswap/v1/BlobChunk.js';
import type { Release__Output } from '../shared/gen/fleetswap/v1/Release.js';
import { carried, type AdminClient } from './admin-client.js';
import { bytes as humanBytes } from './format.js';

export interface PushResult {
  release: Release__Output;
  created: boolean;
  uploadedBlobs: number;
  uploadedBytes: number;
}

export function actor(): string {
  return process.env.FLEETSWAP_ACTOR ?? `${userInfo().username}@${hostname()}`;
}

/**
 * push turns a build directory into a release: walk and hash it, build the
 * manifest (refusing bad trees before anything is sent), ask the coordinator
 * to check it, upload only the blobs it lacks, then register the release.
 */
export async function push(client: AdminClient, dir: string, meta: ReleaseMeta, progress: boolean, signKey?: KeyObject, fleet = DEFAULT_FLEET): Promise<PushResult> {
  checkLabel(meta.label);
  const tree = await walkTree(dir);
  const { manifest, bytes, id } = buildManifest(meta, tree.entries);
  // Signed for one fleet, with the time of the push: agents order releases by it against their irreversible floor.
  const signatures = signKey ? [signRelease(id, signKey, { fleet, irreversible: meta.irreversible !== '' }, Date.now())] : [];
  // A dry run first: a taken label or a missing signature is refused before a byte is uploaded.
  await client.call('RegisterRelease', { manifest: bytes, pushed_by: actor(), dry_run: true, signatures });
  const hashes = [...tree.sources.keys()];
  const { missing } = await client.call('MissingBlobs', { hashes }, 120_000);
  const sizes = new Map(manifest.entries.flatMap((e) => (e.type === 'file' ? [[e.sha256, e.size] as const] : [])));
  const total = missing.reduce((n, h) => n + (sizes.get(h) ?? 0), 0);

  let uploaded = { blobs: 0, bytes: 0 };
  if (missing.length > 0) {
    const bar = progress
      ? new cliProgress.SingleBar(
          {
            format: 'uploading [{bar}] {percentage}% | {value}/{total} | {blobs} blobs',
            stream: process.stderr,
            formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? humanBytes(v) : String(v)),
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    bar?.start(total, 0, { blobs: missing.length });
    let sent = 0;
    async function* chunks(): AsyncGenerator<BlobChunk> {
      const buf = Buffer.allocUnsafe(BLOB_CHUNK_BYTES);
      for (const hash of missing) {
        const fh = await open(tree.sources.get(hash) as string, 'r');
        try {
          for (;;) {
            const { bytesRead } = await fh.read(buf, 0, buf.length, null);
            if (bytesRead === 0) break;
            sent += bytesRead;
            bar?.update(sent);
            yield { hash, data: Buffer.from(buf.subarray(0, bytesRead)), last: false };
          }
        } finally {
          await fh.close();
        }
        yield { hash, data: Buffer.alloc(0), last: true };
      }
    }
    try {
      uploaded = await client.upload(chunks());
    } catch (err) {
      // The file was hashed when the walk began; different bytes now mean the
      // build is still being written.
      const bad = isFleetswapError(err) && err.code === 'HASH_MISMATCH' ? missing.find((h) => err.message.includes(h.slice(0, 12))) : undefined;
      if (bad === undefined) throw err;
      const where = manifest.entries.find((e) => e.type === 'file' && e.sha256 === bad)?.path ?? bad.slice(0, 12);
      throw new FleetswapError('HASH_MISMATCH', `${JSON.stringify(where)} changed while it was being pushed; push again once the build has finished`);
    } finally {
      bar?.stop();
    }
  }
  const res = await client.call('RegisterRelease', { manifest: bytes, pushed_by: actor(), dry_run: false, signatures });
  return { release: carried(res.release, client, 'RegisterRelease', 'the release'), created: res.created, uploadedBlobs: uploaded.blobs, uploadedBytes: uploaded.bytes };
}
