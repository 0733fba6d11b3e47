// The broker responses captured with the client traffic (franz-go's kfake, an independent encoder) must decode
// with our codec consuming every byte, and re-encode to the same bytes - except where an int64 is past 2^53:
// the codec carries int64 as a JS number (exact to +-2^53, Long.MAX/MIN_VALUE kept), and kfake hands out
// producer ids around 2^54, so its InitProducerId responses come back with the id rounded.
import { describe, expect, it } from 'vitest';
import { API_SCHEMAS } from '../../src/protocol/generated/index.js';
import { decodeResponseHeader } from '../../src/protocol/generated/response-header.js';
import { encodeResponse, responseHeaderVersion } from '../../src/protocol/messages.js';
import { Reader } from '../../src/protocol/primitives.js';
import { trafficResponses } from './helpers/frames.js';

const frames = trafficResponses();

describe.skipIf(frames.length === 0)('captured responses', () => {
  it(`${frames.length} responses decode completely and re-encode byte for byte`, () => {
    const problems: string[] = [];
    let lossy = 0;
    for (const { name, frame, apiKey, version } of frames) {
      const api = API_SCHEMAS.get(apiKey)!;
      const r = new Reader(frame);
      const h = decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
      const body = api.decodeResponse(r, version);
      if (r.remaining !== 0) { problems.push(`${name}: ${r.remaining} bytes left`); continue; }
      const again = Buffer.concat(encodeResponse(apiKey, version, h.correlationId, body)).subarray(4);
      if (again.equals(frame)) continue;
      if (apiKey === 22 && !Number.isSafeInteger(body.producerId)) { lossy++; continue; }
      problems.push(`${name}: re-encodes differently`);
    }
    expect(problems).toEqual([]);
    expect(lossy).toBeLessThanOrEqual(6); // the kfake InitProducerId responses; see the comment at the top
  });
});
