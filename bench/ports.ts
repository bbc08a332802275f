import { createServer } from 'node:net';

/** freePort asks the kernel for a free loopback port, for a server that must be told its port (rsync, PostgreSQL). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port from listen(0)'))));
    });
  });
}
