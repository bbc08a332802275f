import { spawn } from 'node:child_process';
import { FleetswapError } from '../shared/errors.js';

/** runReload runs the operator's reload command (apps that cache real paths need it after a switch). */
export function runReload(cmd: string, env: Record<string, string>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', cmd], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new FleetswapError('RELOAD_FAILED', `reload command could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why = signal ? `was killed (${signal}${signal === 'SIGKILL' ? `, over ${timeoutMs} ms` : ''})` : `exited ${code}`;
      const tail = stderr.trim().split('\n').pop() ?? '';
      reject(new FleetswapError('RELOAD_FAILED', `reload command ${why}${tail ? `: ${tail}` : ''}`));
    });
  });
}

/**
 * probeHealth GETs the health URL until it answers 2xx or the time is up. A
 * freshly reloaded app may need a moment, so failures are retried until the
 * deadline rather than judged on the first answer.
 */
export async function probeHealth(url: string, timeoutMs: number, retryMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(1, left)) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      // An attempt the deadline cut short says less than an answer before it: keep "HTTP 500".
      const timedOut = (err as Error).name === 'TimeoutError';
      if (!(timedOut && last.startsWith('HTTP '))) last = timedOut ? 'timed out' : ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, Math.min(retryMs, Math.max(0, deadline - Date.now()))));
  }
  throw new FleetswapError('HEALTH_CHECK_FAILED', `health check ${url} failed within ${timeoutMs} ms: ${last}`);
}

/** probeOnce GETs the health URL once: 2xx within the timeout is ok. For vitals, where each interval gets one try. */
export async function probeOnce(url: string, timeoutMs: number): Promise<{ ok: boolean; latencyMs: number }> {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { ok: res.ok, latencyMs: performance.now() - started };
  } catch {
    return { ok: false, latencyMs: performance.now() - started };
  }
}
