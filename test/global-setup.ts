import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

// The suite runs against either backend (docs/ARCHITECTURE.md, "Testing"):
// with FLEETSWAP_TEST_DATABASE=postgres, one throwaway PostgreSQL cluster
// serves the whole run, and every test coordinator gets a database of its
// own in it (test/database.ts). Otherwise nothing starts: SQLite files.

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's admin URL when the suite runs on PostgreSQL; '' on SQLite. */
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.FLEETSWAP_TEST_DATABASE !== 'postgres') {
    project.provide('pgUrl', '');
    return undefined;
  }
  const cluster = await startPostgres();
  project.provide('pgUrl', cluster.url);
  return () => cluster.destroy();
}
