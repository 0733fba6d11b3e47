// Access to kafkajs 2.2.4's own protocol encoders/decoders (CommonJS, loaded with createRequire), used as an
// independent implementation to cross-check the generated codec.
import { createRequire } from 'node:module';
import { API_SCHEMAS } from '../../../src/protocol/generated/index.js';
import { Reader, Writer } from '../../../src/protocol/primitives.js';

const require = createRequire(import.meta.url);

export const kafkajsRequire = (path: string): any => require(`kafkajs/src/protocol/${path}`);

/** The versions kafkajs implements for an API (its requests/<dir>/index.js). */
export function kafkajsVersions(dir: string): number[] {
  return (kafkajsRequire(`requests/${dir}`).versions as string[]).map(Number).sort((a, b) => a - b);
}

/** kafkajs's request + response codec for one API version, built from the same arguments its client passes. */
export function kafkajsProtocol(dir: string, version: number, args: any): { request: any; response: { decode(b: Buffer): Promise<any>; parse(d: any): Promise<any> } } {
  return kafkajsRequire(`requests/${dir}`).protocol({ version })(args);
}

/** The request body (no size, no header) kafkajs encodes. */
export async function kafkajsRequestBody(dir: string, version: number, args: any): Promise<{ apiKey: number; body: Buffer }> {
  const { request } = kafkajsProtocol(dir, version, args);
  if (request.apiVersion !== version) throw new Error(`kafkajs ${dir} v${version} built v${request.apiVersion}`);
  const enc = await request.encode();
  let body = Buffer.from(enc.buffer);
  // kafkajs writes a v1 request header for every API; for flexible versions its body starts with the v2 header's
  // (empty) tagged-field section instead.
  const api = API_SCHEMAS.get(request.apiKey)!;
  if (api.flexibleFrom >= 0 && version >= api.flexibleFrom) {
    if (body[0] !== 0) throw new Error(`kafkajs ${dir} v${version}: expected the header's empty tagged fields first`);
    body = body.subarray(1);
  }
  return { apiKey: request.apiKey, body };
}

/** Decodes a request body with our codec; throws unless every byte is consumed. */
export function ourDecodeRequest(apiKey: number, version: number, body: Buffer): any {
  const api = API_SCHEMAS.get(apiKey)!;
  const r = new Reader(body);
  const v = api.decodeRequest(r, version);
  if (r.remaining !== 0) throw new Error(`${api.name} v${version}: ${r.remaining} of ${body.length} bytes not consumed`);
  return v;
}
export function ourEncodeRequest(apiKey: number, version: number, value: any): Buffer {
  const w = new Writer();
  API_SCHEMAS.get(apiKey)!.encodeRequest(w, value, version);
  return w.toBuffer();
}
export function ourEncodeResponse(apiKey: number, version: number, value: any): Buffer {
  const w = new Writer();
  API_SCHEMAS.get(apiKey)!.encodeResponse(w, value, version);
  return w.toBuffer();
}

/** kafkajs's decode + parse of a response body we encoded. */
export async function kafkajsDecodeResponse(dir: string, version: number, body: Buffer, args: any = {}): Promise<any> {
  const { request, response } = kafkajsProtocol(dir, version, args);
  // kafkajs strips only the correlation id; for flexible versions its decoders read the v1 response header's
  // tagged-field section as the start of the body.
  const api = API_SCHEMAS.get(request.apiKey)!;
  if (api.key !== 18 && api.flexibleFrom >= 0 && version >= api.flexibleFrom) body = Buffer.concat([Buffer.from([0]), body]);
  return response.parse(await response.decode(body));
}

/** A kafkajs v2 record batch (magic 2) for the given messages, as bytes. */
export async function kafkajsRecordBatch(messages: { key?: string | Buffer | null; value: string | Buffer | null; headers?: Record<string, string>; timestamp?: number }[], compression = 0, baseTimestamp = 1_700_000_000_000): Promise<Buffer> {
  const Record = kafkajsRequire('recordBatch/record/v0');
  const { RecordBatch } = kafkajsRequire('recordBatch/v0');
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: (m.timestamp ?? baseTimestamp) - baseTimestamp }));
  const batch = await RecordBatch({ compression, records, firstTimestamp: baseTimestamp, maxTimestamp: baseTimestamp + messages.length, lastOffsetDelta: records.length - 1 });
  return Buffer.from(batch.buffer);
}
