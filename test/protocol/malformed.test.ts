// Hostile input: truncated and randomly mutated request frames (captured client traffic and schema-built samples
// of every API/version) must make decodeRequest return {ok:false} (or ok:true when a mutation happens to be
// valid) - never throw, never hang, never allocate from a bogus length. decodeResponse may throw, but only
// ProtocolError. Reader primitives reject bogus lengths before touching memory.
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, type DecodedRequest } from '../../src/protocol/messages.js';
import { ProtocolError } from '../../src/protocol/primitives.js';
import { sampleRequests, sampleResponses, trafficRequests, trafficResponses, type Frame } from './helpers/frames.js';
import { mutate } from './helpers/mutate.js';
import { deepSame, mulberry32 } from './helpers/samples.js';

/** Longest a single decode may take (generous for loaded CI machines); these small frames take microseconds. */
const TIME_BOX_MS = 1000;
/** Truncation points per frame: every byte of frames up to this size; for larger ones, this many evenly spread
 * plus every one of the last 32 bytes. */
const MAX_CUTS = 300;

const traffic = trafficRequests();
const samples = [...sampleRequests('random', 5), ...sampleRequests('max')];

function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  if (ms > TIME_BOX_MS) throw new Error(`${what}: decode took ${ms.toFixed(0)} ms`);
  return out;
}
function decodeSafely(what: string, frame: Buffer): DecodedRequest {
  return timed(what, () => {
    try {
      return decodeRequest(frame);
    } catch (e) {
      throw new Error(`${what}: decodeRequest threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
  });
}
function cuts(n: number): number[] {
  if (n <= MAX_CUTS) return Array.from({ length: n }, (_, i) => i);
  const spread = Array.from({ length: MAX_CUTS }, (_, i) => Math.floor((i * n) / MAX_CUTS));
  return [...new Set([...spread, ...Array.from({ length: 32 }, (_, i) => n - 32 + i)])];
}

describe('truncated request frames are rejected, never thrown', () => {
  const groups: [string, Frame[]][] = [['captured client traffic', traffic], ['schema samples (every API and version)', samples]];
  for (const [label, frames] of groups) {
    it.skipIf(frames.length === 0)(`${label}: ${frames.length} frames cut at every byte (sampled past ${MAX_CUTS})`, () => {
      let n = 0;
      for (const { name, frame } of frames) {
        expect(decodeSafely(name, frame).ok, `${name} whole`).toBe(true);
        for (const len of cuts(frame.length)) {
          const d = decodeSafely(`${name} cut at ${len}`, frame.subarray(0, len));
          if (d.ok) throw new Error(`${name} cut at ${len}/${frame.length} decoded ok`);
          n++;
        }
      }
      expect(n).toBeGreaterThan(frames.length);
    });
  }
});

describe('mutated request frames: a typed result, never an exception, a hang or a big allocation', () => {
  const groups: [string, Frame[], number][] = [['captured client traffic', traffic, 200], ['schema samples', samples, 60]];
  for (const [label, frames, perFrame] of groups) {
    it.skipIf(frames.length === 0)(`${label}: ${perFrame} seeded mutations of each of ${frames.length} frames`, () => {
      const rnd = mulberry32(0xc0ffee);
      const rss0 = process.resourceUsage().maxRSS;
      const seen = { ok: 0, malformed: 0, unsupported: 0 };
      for (const { name, frame } of frames) {
        for (let i = 0; i < perFrame; i++) {
          const m = mutate(frame, rnd);
          const d = decodeSafely(`${name} mutation ${i} (${m.toString('hex').slice(0, 80)})`, m);
          if (d.ok) {
            seen.ok++;
            // Whatever decoded must encode again and decode to the same values (bytes may differ: a bool byte of 2,
            // an int64 past 2^53 or invalid UTF-8 decode to normalized values).
            const again = encodeRequest(d.header.requestApiKey, d.header.requestApiVersion, d.header.correlationId, d.header.clientId, d.body);
            const d2 = decodeRequest(again.subarray(4));
            if (!d2.ok) throw new Error(`${name} mutation ${i} re-encoded does not decode: ${d2.error}`);
            if (!deepSame(d2.body, d.body)) expect(d2.body, `${name} mutation ${i} re-encoded`).toEqual(d.body);
          } else seen[d.kind]++;
        }
      }
      // Peak RSS (KiB) must not jump: no decode may allocate from a bogus length.
      expect(process.resourceUsage().maxRSS - rss0).toBeLessThan(256 * 1024);
      expect(seen.malformed).toBeGreaterThan(0);
    });
  }
});

describe('mutated and truncated responses: decodeResponse throws only ProtocolError', () => {
  const frames = [...trafficResponses(), ...sampleResponses('random', 6)];
  it.skipIf(frames.length === 0)(`${frames.length} response frames, truncated and mutated`, () => {
    const rnd = mulberry32(42);
    for (const { name, frame, apiKey, version } of frames) {
      const inputs = [...cuts(frame.length).filter((_, i) => i % 7 === 0).map((n) => frame.subarray(0, n)), ...Array.from({ length: 30 }, () => mutate(frame, rnd))];
      for (const m of inputs) {
        timed(name, () => {
          try {
            decodeResponse(apiKey, version, m);
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw new Error(`${name}: decodeResponse threw ${(e as Error)?.name}: ${(e as Error)?.message} on ${m.toString('hex').slice(0, 80)}`);
          }
        });
      }
    }
  });
});

describe('frames shorter than a header or with unknown api keys', () => {
  it('every length 0-7 is malformed', () => {
    for (let n = 0; n < 8; n++) expect(decodeRequest(Buffer.alloc(n, 0xff))).toMatchObject({ ok: false, kind: 'malformed' });
  });
  it('unknown key and out-of-range version are unsupported, with the correlation id', () => {
    const f = Buffer.from([0x7f, 0x00, 0, 1, 0, 0, 0, 9, 0xff, 0xff]);
    expect(decodeRequest(f)).toMatchObject({ ok: false, kind: 'unsupported', apiKey: 0x7f00, correlationId: 9 });
    expect(decodeRequest(Buffer.from([0, 18, 0x7f, 0, 0, 0, 0, 9]))).toMatchObject({ ok: false, kind: 'unsupported', apiKey: 18 });
    expect(decodeRequest(Buffer.from([0, 18, 0xff, 0xff, 0, 0, 0, 9]))).toMatchObject({ ok: false, kind: 'unsupported', apiVersion: -1 });
  });
});

describe('bytes after the body', () => {
  it("are ignored, as Kafka's parser ignores them: librdkafka's all-topics Metadata v13", () => {
    // librdkafka 2.15.1, metadata for all topics: a 4-byte placeholder (00 00 00 00) where the compact array count
    // belongs; Kafka reads its first byte (null: all topics) and the next three as the booleans and tagged fields.
    const frame = Buffer.from('0003000d00000004000772646b61666b610000000000010000', 'hex');
    expect(decodeRequest(frame)).toMatchObject({ ok: true, body: { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false } });
  });
});
