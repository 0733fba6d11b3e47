import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32, crc32c, nativeCrcLoaded } from '../../../src/protocol/records/crc.js';

const require = createRequire(import.meta.url);
const reference: { buf(data: Uint8Array): number } = require('crc-32/crc32c');
const referenceIeee: { buf(data: Uint8Array): number } = require('crc-32');

// Vitest gives each test file its own module instances, so the native module starts unloaded here.
describe('crc', () => {
  it('gives the standard check values', () => {
    const check = Buffer.from('123456789');
    expect(crc32c(check)).toBe(0xe3069283);
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32c(Buffer.from('xx123456789yy'), 2, 11)).toBe(0xe3069283);
  });

  it('stays in JavaScript for the first 64 KiB, then loads the native module with the same results', () => {
    const chunk = randomBytes(16 << 10);
    const want = reference.buf(chunk) >>> 0;
    for (let i = 0; i < 4; i++) {
      expect(crc32c(chunk)).toBe(want);
      expect(nativeCrcLoaded()).toBe(false);
    }
    expect(crc32c(chunk)).toBe(want);
    expect(nativeCrcLoaded()).toBe(true);
    const mib = randomBytes(1 << 20);
    expect(crc32c(mib)).toBe(reference.buf(mib) >>> 0);
    expect(crc32(mib)).toBe(referenceIeee.buf(mib) >>> 0);
    const small = randomBytes(100);
    expect(crc32c(small)).toBe(reference.buf(small) >>> 0);
  });
});
