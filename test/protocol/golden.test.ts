// Every request captured from six real clients decodes and re-encodes to the same bytes;
// every captured response decodes completely.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest } from '../../src/protocol/messages.js';

const TRAFFIC = join(__dirname, '..', '..', '..', 'shared', 'client-traffic');
const clients = existsSync(TRAFFIC) ? readdirSync(TRAFFIC).filter((d) => existsSync(join(TRAFFIC, d, 'index.jsonl'))) : [];

describe.skipIf(clients.length === 0)('captured client traffic', () => {
  for (const client of clients) {
    const dir = join(TRAFFIC, client);
    const reqs = readdirSync(dir).filter((f) => f.endsWith('.req'));
    it(`${client}: ${reqs.length} requests round-trip byte for byte`, () => {
      for (const f of reqs) {
        const frame = readFileSync(join(dir, f));
        const d = decodeRequest(frame);
        if (!d.ok) throw new Error(`${client}/${f}: ${d.error}`);
        const { header } = d;
        const again = encodeRequest(header.requestApiKey, header.requestApiVersion, header.correlationId, header.clientId, d.body);
        expect(again.subarray(4).equals(frame), `${client}/${f}`).toBe(true);
      }
    });
    it(`${client}: responses decode completely`, () => {
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.resp'))) {
        const [, key, ver] = /^\d+-(\d+)-v(\d+)\.resp$/.exec(f)!;
        const frame = readFileSync(join(dir, f));
        const { body } = decodeResponse(Number(key), Number(ver), frame);
        expect(body, `${client}/${f}`).toBeTypeOf('object');
      }
    });
  }
});
