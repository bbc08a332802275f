import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { probeHealth } from './health.js';

// The health probe after a switch: its failure names what the app said,
// not the deadline that cut the last attempt short.

describe('probeHealth', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => {
    server?.closeAllConnections();
    return server ? server.close(() => r()) : r();
  }));

  async function serve(answer: (n: number) => number | 'hang'): Promise<string> {
    let n = 0;
    server = createServer((_req, res) => {
      const a = answer(n++);
      if (a !== 'hang') res.writeHead(a).end();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
  }

  it('reports the last answer when the attempt the deadline cut short never answered', async () => {
    const url = await serve((n) => (n === 0 ? 500 : 'hang'));
    await expect(probeHealth(url, 600, 20)).rejects.toThrow(/failed within 600 ms: HTTP 500$/);
  });

  it('says timed out when the app never answered', async () => {
    const url = await serve(() => 'hang');
    await expect(probeHealth(url, 300, 20)).rejects.toThrow(/failed within 300 ms: timed out$/);
  });

  it('passes as soon as the app answers 2xx', async () => {
    const url = await serve((n) => (n < 2 ? 503 : 200));
    await expect(probeHealth(url, 2_000, 10)).resolves.toBeUndefined();
  });
});
