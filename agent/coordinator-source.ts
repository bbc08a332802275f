import { FleetswapError } from '../shared/errors.js';
import type { AgentServiceClient } from '../shared/gen/fleetswap/v1/AgentService.js';
import type { BlobChunk__Output } from '../shared/gen/fleetswap/v1/BlobChunk.js';
import { fromServiceError } from '../shared/rpc-errors.js';
import type { ContentSource } from './stager.js';

/** coordinatorSource fetches manifests and blobs from the coordinator the agent is connected to now (`at`). */
export function coordinatorSource(at: () => { client: AgentServiceClient; target: string }): ContentSource {
  return {
    manifest: (releaseId, have) =>
      new Promise((resolve, reject) => {
        const { client: c, target } = at();
        c.GetManifest({ release_id: releaseId, have }, (err, res) => {
          if (err) reject(fromServiceError(err, target));
          // grpc-js gives a reply whenever it gives no error; neither is a call that did not go through, tried again later.
          else if (!res) reject(new FleetswapError('UNAVAILABLE', `the coordinator at ${target} answered GetManifest with nothing`));
          else resolve(res);
        });
      }),
    async *blobs(releaseId, hashes, signal) {
      const { client: c, target } = at();
      const call = c.FetchBlobs({ hashes, release_id: releaseId });
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
      try {
        for await (const chunk of call as AsyncIterable<BlobChunk__Output>) yield chunk;
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
