import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { REPO } from '../test/fixtures.js';
import { ERROR_CODES, FleetswapError, type ErrorCode } from './errors.js';
import { fromServiceError, toServiceError } from './rpc-errors.js';

// docs/ERRORS.md is what scripts are told; ERROR_CODES is what the code does.
// They must say the same, code for code.

function documented(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of readFileSync(join(REPO, 'docs', 'ERRORS.md'), 'utf8').split('\n')) {
    const m = /^\| ([A-Z_]+) \| (\d) \|/.exec(line);
    if (!m) continue;
    if (rows.has(m[1]!)) throw new Error(`${m[1]} is documented twice`);
    rows.set(m[1]!, Number(m[2]));
  }
  return rows;
}

describe('error codes', () => {
  it('docs/ERRORS.md lists every code once, with the exit code the CLI gives', () => {
    const expected = new Map(Object.entries(ERROR_CODES).map(([code, spec]) => [code, spec.exit as number]));
    expect(documented()).toEqual(expected);
  });

  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('%s crosses gRPC with its status and comes back as itself', (code) => {
    const err = toServiceError(new FleetswapError(code, `a ${code} happened`));
    expect(err.code).toBe(grpc.status[ERROR_CODES[code].status]);
    const back = fromServiceError(err, '127.0.0.1:7400');
    expect([back.code, back.message]).toEqual([code, `a ${code} happened`]);
  });

  it('a code the CLI does not know comes back as INTERNAL, not as a made-up code', () => {
    const md = new grpc.Metadata();
    md.set('fleetswap-code', 'NOT_A_CODE');
    const back = fromServiceError(Object.assign(new Error('x'), { code: grpc.status.UNKNOWN, details: 'x', metadata: md }), 'c:1');
    expect(back.code).toBe('INTERNAL');
  });
});
