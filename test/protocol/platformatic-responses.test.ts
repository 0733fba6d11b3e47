// Cross-check against an independent decoder: for every API version @platformatic/kafka implements (mostly the
// flexible ones), a response built from the schema is encoded by our codec and parsed by platformatic's
// parseResponse; every field it reports under the schema's name must equal what we encoded, and it must consume
// the whole body.
import { describe, expect, it } from 'vitest';
import { API_SCHEMAS } from '../../src/protocol/generated/index.js';
import { Writer } from '../../src/protocol/primitives.js';
import { platformaticApis, platformaticReader, platformaticRecords, uuidToDashed, type PlatformaticApi } from './helpers/platformatic.js';
import { buildSample, camel, HAVE_SCHEMAS, isPresent, schemas, structFields, type Field, type Schema } from './helpers/samples.js';

/** Parsers that disagree with the Kafka schemas (platformatic bugs, checked by hand against the JSON files). */
const PLATFORMATIC_BUGS: Record<string, string> = {
  'AlterPartitionReassignments v1': 'does not read AllowReplicationFactorChange (bool, v1+)',
  'DescribeConfigs v2': 'reads ConfigType and Documentation, which are v3+',
  'ListTransactions v2': 'reads an ErrorMessage the schema does not have',
  'OffsetForLeaderEpoch v4': 'reads Partition before ErrorCode (the schema has ErrorCode first)',
  'Metadata v9': 'reads ClusterAuthorizedOperations (int32) as a bool',
  'Metadata v10': 'reads ClusterAuthorizedOperations (int32) as a bool',
  'AlterPartition v3': 'reads TopicId (uuid) as a string and Isr ([]int32) as an int32',
  'ConsumerGroupDescribe v0': 'reads SubscribedTopicNames ([]string) as a string, and no tagged fields after Assignment structs',
  'ConsumerGroupHeartbeat v0': 'reads no tagged fields after the nullable Assignment struct',
  'ConsumerGroupHeartbeat v1': 'reads no tagged fields after the nullable Assignment struct',
  'DescribeTopicPartitions v0': 'reads no tagged fields after the nullable NextCursor struct',
};

const apis = await platformaticApis();
const Reader = await platformaticReader();
const { createRecordsBatch } = await platformaticRecords();
// A record batch platformatic itself wrote, for the records fields of Fetch responses.
const BATCH: Buffer = Buffer.from(createRecordsBatch([{ key: Buffer.from('k'), value: Buffer.from('v-ü'), headers: new Map([[Buffer.from('h'), Buffer.from('x')]]), timestamp: 1_700_000_000_000n }]).buffer);

/** Zeroes error codes (platformatic throws on them) and gives records fields a real batch. */
function tame(x: any): any {
  if (Array.isArray(x)) return x.map(tame);
  if (!x || typeof x !== 'object' || Buffer.isBuffer(x)) return x;
  const o: any = {};
  for (const [k, v] of Object.entries(x)) o[k] = /errorCode$/i.test(k) ? 0 : k === 'batchIndexErrorMessage' ? null : k === 'records' ? (v === null ? null : BATCH) : tame(v);
  return o;
}

/** Compares what platformatic parsed with what we encoded, field by field under the schema's names. */
function compare(s: Schema, v: number, fields: Field[], ours: any, theirs: any, path: string, out: { matched: number; diffs: string[] }) {
  for (const f of fields) {
    const k = camel(f.name);
    if (!isPresent(f, v, s) || !(k in ours) || theirs == null || !(k in theirs)) continue;
    const p = `${path}.${k}`;
    const [a, b] = [ours[k], theirs[k]];
    if (f.type === 'records') { if (a !== null && !Array.isArray(b)) out.diffs.push(`${p}: records not parsed`); else out.matched++; continue; }
    if (f.type.startsWith('[]')) {
      const ea = a ?? [];
      if (!Array.isArray(b) || b.length !== ea.length) { out.diffs.push(`${p}: ${ea.length} elements, platformatic has ${Array.isArray(b) ? b.length : typeof b}`); continue; }
      const t = f.type.slice(2);
      ea.forEach((x: any, i: number) => (f.fields || !/^[a-z]/.test(t) ? compare(s, v, structFields(s, f), x, b[i], `${p}[${i}]`, out) : leaf(t, x, b[i], `${p}[${i}]`, out)));
    } else if (f.fields || !/^[a-z]/.test(f.type)) {
      if (a === null) { if (b !== null && b !== undefined) out.diffs.push(`${p}: want null`); } else compare(s, v, structFields(s, f), a, b, p, out);
    } else leaf(f.type, a, b, p, out);
  }
}
function leaf(t: string, a: any, b: any, p: string, out: { matched: number; diffs: string[] }) {
  let ok: boolean;
  if (a === null) ok = b === null || b === undefined;
  // Our Writer clamps doubles at or past 2^63 (Long.MAX_VALUE rounds up) back to Long.MAX_VALUE.
  else if (t === 'int64') ok = typeof b === 'bigint' ? b === (a >= 2 ** 63 ? 2n ** 63n - 1n : BigInt(a)) : b === a;
  else if (t === 'uuid') ok = b === uuidToDashed(a);
  else if (t === 'bytes') ok = Buffer.isBuffer(b) && a.equals(b);
  else ok = Object.is(a, b);
  if (ok) out.matched++;
  else out.diffs.push(`${p}: ours ${String(a).slice(0, 40)}, platformatic ${String(b).slice(0, 40)}`);
}

/** Encodes a sample response with our codec, parses it with platformatic, and lists the disagreements. */
function check(a: PlatformaticApi, variant: 'random' | 'max', seed: number): { problems: string[]; matched: number } {
  const ours = API_SCHEMAS.get(a.key)!;
  const s = schemas().get(ours.name + 'Response')!;
  // platformatic skips tagged-field sections by byte length instead of reading tags, so none are sent.
  const sample = tame(buildSample(s, a.version, variant, seed, { tagged: false }));
  const w = new Writer();
  ours.encodeResponse(w, sample, a.version);
  const body = w.toBuffer();
  const r = Reader.from(body);
  let parsed: any;
  try {
    parsed = a.parseResponse(1, a.key, a.version, r);
  } catch (e: any) {
    if (!e.response) return { problems: [`platformatic threw ${e.message}`], matched: 0 };
    parsed = e.response; // a ResponseError still carries the parsed response
  }
  const out = { matched: 0, diffs: [] as string[] };
  // platformatic leaves the top-level tagged-field byte of flexible responses to its connection.
  const left = body.length - r.position;
  if (!(left === 0 || (left === 1 && body.at(-1) === 0))) out.diffs.push(`${left} of ${body.length} bytes not consumed`);
  compare(s, a.version, s.fields, sample, parsed, ours.name, out);
  return { problems: out.diffs, matched: out.matched };
}

describe.skipIf(!HAVE_SCHEMAS)('our responses parse with @platformatic/kafka', () => {
  const byName = (a: PlatformaticApi) => `${API_SCHEMAS.get(a.key)?.name ?? `key ${a.key}`} v${a.version}`;
  it(`covers ${apis.length} API versions`, () => expect(apis.length).toBeGreaterThan(90));
  for (const a of apis) {
    const name = byName(a);
    const ours = API_SCHEMAS.get(a.key);
    const bug = PLATFORMATIC_BUGS[name];
    it.skipIf(!!bug || !ours)(`${name}${bug ? ` (platformatic bug: ${bug})` : ''}`, () => {
      for (const seed of [1, 2, 3]) {
        const { problems, matched } = check(a, 'random', seed);
        expect(problems, `${name} seed ${seed}`).toEqual([]);
        expect(matched, `${name}: no field matched by name`).toBeGreaterThan(0);
      }
      expect(check(a, 'max', 1).problems, `${name} max`).toEqual([]);
    });
  }

  it.each(Object.entries(PLATFORMATIC_BUGS))('%s still disagrees with the schema (%s)', (name) => {
    const a = apis.find((x) => byName(x) === name)!;
    expect(check(a, 'max', 1).problems, `${name}: platformatic now agrees; remove it from PLATFORMATIC_BUGS`).not.toEqual([]);
  });
});
