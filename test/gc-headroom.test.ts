// The CLI keeps V8's old-generation limit at least 64 MB above the live heap, so that the Buffers a broker keeps do not
// start a full GC every ~12 MB (src/gc-headroom.ts; measured in docs/performance.md finding 21).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { growingPercent } from '../src/gc-headroom.js';

const MODULE = join(__dirname, '..', 'dist', 'gc-headroom.js');

// A broker's allocation pattern in small: a small heap that stays small, short-lived objects per "request" and one
// kept 1 MiB Buffer each, 256 MiB in all; prints how many full (mark-compact) GCs it took.
const SCRIPT = `
import { constants, PerformanceObserver } from 'node:perf_hooks';
if (process.argv[1] === 'on') (await import(${JSON.stringify(MODULE)})).keepGcHeadroom();
let majors = 0;
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
}).observe({ entryTypes: ['gc'] });
const kept = [];
for (let i = 0; i < 256; i++) {
  kept.push({ buf: Buffer.allocUnsafeSlow(1 << 20), meta: Array.from({ length: 100 }, (_, j) => ({ j })) });
  let garbage = [];
  for (let j = 0; j < 50000; j++) garbage.push({ j, s: 'x' + j });
  garbage = null;
  await new Promise((r) => setImmediate(r));
}
await new Promise((r) => setTimeout(r, 50));
process.stdout.write(String(majors));
`;

const fullGcs = (mode: 'on' | 'off') => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT, mode], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return Number(r.stdout);
};

describe('GC headroom', () => {
  it('sets a growing factor only where V8 would leave less than 64 MB above the live heap', () => {
    expect(growingPercent(8 << 20)).toBe(800); // 8 MB live: limit 72 MB
    expect(growingPercent(16 << 20)).toBe(400);
    expect(growingPercent(21.4 * 2 ** 20)).toBe(0); // V8's own factor (up to 4x) gives that much
    expect(growingPercent(256 << 20)).toBe(0);
  });

  it('takes fewer full GCs for the same kept Buffers', () => {
    const without = fullGcs('off');
    const withHeadroom = fullGcs('on');
    expect(without).toBeGreaterThan(0);
    expect(withHeadroom).toBeLessThan(without);
  });
});
