import { api } from './lib.js';
import { startPage } from './nav.js';

// The drift page is drawn by the coordinator (the same report as drift
// --html). It is kept live by asking every few seconds whether the report
// changed, and loading it again if so; the filter is in the URL's hash, so
// it stays.

const EVERY_MS = 3000;

async function main() {
  await startPage('drift');
  const { version } = await api('/api/drift/version');
  document.documentElement.dataset.ready = 'true';
  setInterval(async () => {
    const now = await api('/api/drift/version').catch(() => null);
    if (now && now.version !== version) location.reload();
  }, EVERY_MS);
}

main();
