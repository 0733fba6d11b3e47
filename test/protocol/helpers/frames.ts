// Request frames (header + body, no size prefix) to feed the decoder: the captured client traffic in
// ../shared/client-traffic and frames built from schema samples for every API and version.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_SCHEMAS } from '../../../src/protocol/generated/index.js';
import { encodeRequest, encodeResponse } from '../../../src/protocol/messages.js';
import { buildSample, schemas, type Variant } from './samples.js';

export const TRAFFIC_DIR = process.env.KAFKA_CLIENT_TRAFFIC_DIR ?? join(__dirname, '..', '..', '..', '..', 'shared', 'client-traffic');

export interface Frame { name: string; frame: Buffer; apiKey: number; version: number }

/** Every captured request frame, named client/file. */
export function trafficRequests(): Frame[] {
  if (!existsSync(TRAFFIC_DIR)) return [];
  const out: Frame[] = [];
  for (const client of readdirSync(TRAFFIC_DIR).sort()) {
    const dir = join(TRAFFIC_DIR, client);
    if (!existsSync(join(dir, 'index.jsonl'))) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.req')).sort()) {
      const frame = readFileSync(join(dir, f));
      out.push({ name: `${client}/${f}`, frame, apiKey: frame.readInt16BE(0), version: frame.readInt16BE(2) });
    }
  }
  return out;
}

/** Every captured response frame with the API key and version its file name gives. */
export function trafficResponses(): Frame[] {
  if (!existsSync(TRAFFIC_DIR)) return [];
  const out: Frame[] = [];
  for (const client of readdirSync(TRAFFIC_DIR).sort()) {
    const dir = join(TRAFFIC_DIR, client);
    if (!existsSync(join(dir, 'index.jsonl'))) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.resp')).sort()) {
      const [, key, ver] = /^\d+-(\d+)-v(\d+)\.resp$/.exec(f)!;
      out.push({ name: `${client}/${f}`, frame: readFileSync(join(dir, f)), apiKey: Number(key), version: Number(ver) });
    }
  }
  return out;
}

/** One request frame per API and version, from a schema sample (empty when the schemas are absent). */
export function sampleRequests(variant: Variant = 'random', seed = 5): Frame[] {
  const out: Frame[] = [];
  for (const api of API_SCHEMAS.values()) {
    const s = schemas().get(api.name + 'Request');
    if (!s) continue;
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      const frame = encodeRequest(api.key, v, 1000 + v, 'fuzz', buildSample(s, v, variant, seed)).subarray(4);
      out.push({ name: `${api.name}Request v${v} ${variant}`, frame, apiKey: api.key, version: v });
    }
  }
  return out;
}

/** One response frame (without size prefix) per API and version, from a schema sample. */
export function sampleResponses(variant: Variant = 'random', seed = 5): Frame[] {
  const out: Frame[] = [];
  for (const api of API_SCHEMAS.values()) {
    const s = schemas().get(api.name + 'Response');
    if (!s) continue;
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      const frame = Buffer.concat(encodeResponse(api.key, v, 1000 + v, buildSample(s, v, variant, seed))).subarray(4);
      out.push({ name: `${api.name}Response v${v} ${variant}`, frame, apiKey: api.key, version: v });
    }
  }
  return out;
}
