import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PgCluster } from '../bench/pg-cluster.js';

// The throwaway clusters themselves are bench/pg-cluster.ts (the benchmark
// starts them too); this is how a test file gets one.

export { createDatabase, pgBin, startPostgres, type PgCluster } from '../bench/pg-cluster.js';

/**
 * aClusterForThisFile starts one cluster before the file's tests and removes
 * it after them; call it at the top of a test file and read the cluster
 * through the function it returns.
 */
export function aClusterForThisFile(): () => PgCluster {
  let cluster: PgCluster | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  return () => {
    if (!cluster) throw new Error('the PostgreSQL cluster is not started yet: use it inside a test');
    return cluster;
  };
}
