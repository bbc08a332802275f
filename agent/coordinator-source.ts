import type * as grpc from '@grpc/grpc-js';
import { fromServiceError } from '../shared/rpc-errors.js';
import type { BlobChunk } from '../shared/wire.js';
import type { ContentSource, ManifestReply } from './stager.js';

type AgentClient = grpc.Client & {
  GetManifest(req: { release_id: string; have: string[] }, cb: (err: grpc.ServiceError | null, res?: ManifestReply) => void): void;
  FetchBlobs(req: { hashes: string[]; release_id: string }): grpc.ClientReadableStream<BlobChunk>;
};

/** coordinatorSource fetches manifests and blobs from the coordinator over the agent's one channel. */
export function coordinatorSource(client: grpc.Client, target: string): ContentSource {
  const c = client as AgentClient;
  return {
    manifest: (releaseId, have) =>
      new Promise((resolve, reject) =>
        c.GetManifest({ release_id: releaseId, have }, (err, res) => (err ? reject(fromServiceError(err, target)) : resolve(res!))),
      ),
    async *blobs(releaseId, hashes, signal) {
      const call = c.FetchBlobs({ hashes, release_id: releaseId });
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
      try {
        for await (const chunk of call as AsyncIterable<BlobChunk>) yield chunk;
      } catch (err) {
        signal.throwIfAborted();
        throw fromServiceError(err, target);
      } finally {
        signal.removeEventListener('abort', cancel);
        call.cancel();
      }
    },
  };
}
