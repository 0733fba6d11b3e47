// Every API in API_SCHEMAS, requests and responses, at every version, round-trips samples built from the JSON
// schemas: decode consumes exactly the encoded bytes, gives back the sample's values, and re-encodes to the same
// bytes. The headers are covered on their own and through the framing functions in messages.ts.
import { describe, expect, it } from 'vitest';
import { API_SCHEMAS } from '../../src/protocol/generated/index.js';
import { decodeRequestHeader, encodeRequestHeader } from '../../src/protocol/generated/request-header.js';
import { decodeResponseHeader, encodeResponseHeader } from '../../src/protocol/generated/response-header.js';
import { decodeRequest, encodeRequest, encodeResponse, responseHeaderVersion } from '../../src/protocol/messages.js';
import { Reader, Writer } from '../../src/protocol/primitives.js';
import { buildSample, diffDecoded, HAVE_SCHEMAS, SCHEMA_DIR, schemas, VARIANTS, type Schema } from './helpers/samples.js';

const RANDOM_SEEDS = [1, 2, 3];
type Enc = (w: Writer, v: any, version: number) => void;
type Dec = (r: Reader, version: number) => any;

/** Round-trips one sample; returns the problems found. */
function trip(s: Schema, version: number, sample: any, enc: Enc, dec: Dec, label: string): string[] {
  const w = new Writer(64);
  enc(w, sample, version);
  const bytes = w.toBuffer();
  const r = new Reader(bytes);
  let decoded: any;
  try {
    decoded = dec(r, version);
  } catch (e) {
    return [`${label}: decode threw ${(e as Error).message}`];
  }
  const out: string[] = [];
  if (r.remaining !== 0) out.push(`${label}: ${r.remaining} of ${bytes.length} bytes left after decode`);
  out.push(...diffDecoded(s, version, s.fields, sample, decoded).map((d) => `${label}: ${d}`));
  const w2 = new Writer(64);
  enc(w2, decoded, version);
  if (!w2.toBuffer().equals(bytes)) out.push(`${label}: re-encoding the decoded value gives different bytes`);
  return out;
}

function samplesFor(s: Schema, version: number): [string, any][] {
  const out: [string, any][] = [['defaults', {}]];
  for (const variant of VARIANTS) {
    if (variant === 'random') for (const seed of RANDOM_SEEDS) out.push([`random#${seed}`, buildSample(s, version, variant, seed)]);
    else out.push([variant, buildSample(s, version, variant)]);
  }
  return out;
}

function tripAll(s: Schema, min: number, max: number, enc: Enc, dec: Dec): { problems: string[]; count: number } {
  const problems: string[] = [];
  let count = 0;
  for (let v = min; v <= max; v++) {
    for (const [variant, sample] of samplesFor(s, v)) {
      problems.push(...trip(s, v, sample, enc, dec, `v${v} ${variant}`));
      count++;
    }
  }
  return { problems, count };
}

describe.skipIf(!HAVE_SCHEMAS)(`round trip of schema-built samples (schemas: ${SCHEMA_DIR})`, () => {
  it('the schemas and API_SCHEMAS list the same APIs and version ranges', () => {
    const fromSchemas = [...schemas().values()].filter((s) => s.type === 'request').map((s) => `${s.apiKey} ${s.name.replace(/Request$/, '')} ${s.valid.join('-')}`).sort();
    const generated = [...API_SCHEMAS.values()].map((a) => `${a.key} ${a.name} ${a.minVersion}-${a.maxVersion}`).sort();
    expect(generated).toEqual(fromSchemas);
  });

  for (const api of API_SCHEMAS.values()) {
    for (const kind of ['Request', 'Response'] as const) {
      it(`${api.name}${kind} v${api.minVersion}-v${api.maxVersion}`, () => {
        const s = schemas().get(api.name + kind)!;
        expect(s, `schema ${api.name}${kind}`).toBeDefined();
        const { problems, count } = kind === 'Request'
          ? tripAll(s, api.minVersion, api.maxVersion, api.encodeRequest, api.decodeRequest)
          : tripAll(s, api.minVersion, api.maxVersion, api.encodeResponse, api.decodeResponse);
        expect(count).toBeGreaterThan(0);
        expect(problems.slice(0, 20)).toEqual([]);
      });
    }
  }

  it('RequestHeader and ResponseHeader, every version', () => {
    const problems: string[] = [];
    for (const [name, enc, dec] of [['RequestHeader', encodeRequestHeader, decodeRequestHeader], ['ResponseHeader', encodeResponseHeader, decodeResponseHeader]] as const) {
      const s = schemas().get(name)!;
      problems.push(...tripAll(s, s.valid[0], s.valid[1], enc as Enc, dec as Dec).problems.map((p) => `${name} ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it('full frames through messages.ts: encodeRequest/decodeRequest and encodeResponse, every API and version', () => {
    const problems: string[] = [];
    for (const api of API_SCHEMAS.values()) {
      const req = schemas().get(api.name + 'Request')!;
      const resp = schemas().get(api.name + 'Response')!;
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        const at = `${api.name} v${v}`;
        const body = buildSample(req, v, 'random', 9);
        const frame = encodeRequest(api.key, v, 0x7fffffff - v, v % 2 ? 'client-ü' : null, body);
        if (frame.readInt32BE(0) !== frame.length - 4) problems.push(`${at}: request size prefix`);
        const d = decodeRequest(frame.subarray(4));
        if (!d.ok) { problems.push(`${at}: ${d.error}`); continue; }
        if (d.header.correlationId !== 0x7fffffff - v || d.header.requestApiKey !== api.key || d.header.requestApiVersion !== v) problems.push(`${at}: header`);
        problems.push(...diffDecoded(req, v, req.fields, body, d.body).map((x) => `${at}: ${x}`));
        const again = encodeRequest(api.key, v, d.header.correlationId, d.header.clientId, d.body);
        if (!again.equals(frame)) problems.push(`${at}: request frame re-encodes differently`);

        const rbody = buildSample(resp, v, 'max');
        const chunks = encodeResponse(api.key, v, -5, rbody);
        const rframe = Buffer.concat(chunks);
        if (rframe.readInt32BE(0) !== rframe.length - 4) problems.push(`${at}: response size prefix`);
        const r = new Reader(rframe, 4);
        const h = decodeResponseHeader(r, responseHeaderVersion(api.key, v));
        const got = api.decodeResponse(r, v);
        if (h.correlationId !== -5) problems.push(`${at}: response correlation id`);
        if (r.remaining !== 0) problems.push(`${at}: ${r.remaining} bytes left in the response frame`);
        problems.push(...diffDecoded(resp, v, resp.fields, rbody, got).map((x) => `${at}: ${x}`));
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });
});

it.skipIf(HAVE_SCHEMAS)(`round trip skipped: Kafka schemas not found at ${SCHEMA_DIR} (set KAFKA_PROTOCOL_DIR)`, (ctx) => ctx.skip());
