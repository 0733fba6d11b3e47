// Sample messages built from the Kafka JSON schemas (the same merged view the generator uses, loaded through
// scripts/protocol-schemas.mjs), so the tests need no runtime schema table in src/.
// A sample is a plain object in the shape the generated encoders take (camelCase keys), holding a value for
// every field present at the requested version, chosen by a variant:
//   max     - largest ints, unicode strings, two-element arrays, every nullable field set, tagged fields at
//             non-default values, and an unknown tagged field on each flexible struct
//   min     - smallest ints, null for every nullable field (empty strings/bytes/arrays otherwise)
//   random  - seeded random values (distinct per field, so swapped fields show up), 0-3 element arrays
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// @ts-ignore - plain JS module shared with the generator
import { DEFAULT_SCHEMA_DIR, INF, loadSchemas, regular } from '../../../scripts/protocol-schemas.mjs';

export type Range = [number, number] | null;
export interface Field {
  name: string;
  type: string;
  versions: Range;
  nullable: Range;
  tagged: Range;
  tag?: number;
  flexible?: Range;
  default?: unknown;
  fields?: Field[];
}
export interface Schema {
  apiKey?: number;
  type: string;
  name: string;
  valid: [number, number];
  flexible: Range;
  fields: Field[];
  commonStructs: { name: string; versions: Range; fields: Field[] }[];
}
export type Variant = 'max' | 'min' | 'random';
export const VARIANTS: Variant[] = ['max', 'min', 'random'];

export const SCHEMA_DIR: string = DEFAULT_SCHEMA_DIR;
export const HAVE_SCHEMAS = existsSync(join(SCHEMA_DIR, 'messages'));
let cache: Map<string, Schema> | undefined;
/** Every merged request/response/header schema, by name ("FetchRequest"); empty when the schemas are absent. */
export function schemas(): Map<string, Schema> {
  if (!cache) cache = HAVE_SCHEMAS ? (loadSchemas(SCHEMA_DIR) as Map<string, Schema>) : new Map();
  return cache;
}
export { INF };

export const camel = (s: string) => s[0].toLowerCase() + s.slice(1);
const inRange = (r: Range, v: number) => !!r && r[0] <= v && v <= r[1];
/** Present at `version` as a regular field. */
export const isRegular = (f: Field, v: number) => inRange(regular(f) as Range, v);
/** Present at `version` as a tagged field (only in flexible versions). */
export const isTagged = (f: Field, v: number, s: Schema) => inRange(f.tagged, v) && isFlexible(s, v);
export const isPresent = (f: Field, v: number, s: Schema) => isRegular(f, v) || isTagged(f, v, s);
export const isFlexible = (s: Schema, v: number) => inRange(s.flexible, v);
const isArray = (t: string) => t.startsWith('[]');
const elem = (t: string) => (isArray(t) ? t.slice(2) : t);
const PRIMS = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'bool', 'string', 'bytes', 'records', 'uuid']);

/** The fields of a struct-typed field: inline, or a common struct of the schema. */
export function structFields(s: Schema, f: Field): Field[] {
  if (f.fields) return f.fields;
  const c = s.commonStructs.find((x) => x.name === elem(f.type));
  if (!c) throw new Error(`${s.name}: no struct ${f.type} for ${f.name}`);
  return c.fields;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UNICODE = ['', 'a', 'héllo wörld', 'топик-1', '日本語のトピック', 'emoji 🚀🔥', 'mixed ✓ ß 🧪 \u0000 end', 'x'.repeat(300)];
const MAX_STRING = 'ünïcödé ✓ 日本 🚀 \u{10FFFF}';

class Builder {
  private rnd: () => number;
  constructor(private s: Schema, private version: number, private variant: Variant, seed: number, private opts: SampleOptions = {}) {
    this.rnd = mulberry32(seed);
  }
  private int(lo: number, hi: number) { return lo + Math.floor(this.rnd() * (hi - lo + 1)); }
  private pick<T>(xs: T[]): T { return xs[Math.floor(this.rnd() * xs.length)]; }
  private buf(n: number) { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = this.int(0, 255); return b; }
  private uuid() { return this.buf(16).toString('base64url'); }

  prim(t: string): unknown {
    const max = this.variant === 'max';
    if (this.variant !== 'random') {
      switch (t) {
        case 'int8': return max ? 127 : -128;
        case 'int16': return max ? 32767 : -32768;
        case 'uint16': return max ? 65535 : 0;
        case 'int32': return max ? 2147483647 : -2147483648;
        case 'uint32': return max ? 4294967295 : 0;
        // 2^63-1 is not a double; the Writer clamps the rounded value back to Long.MAX_VALUE.
        case 'int64': return max ? 9223372036854775807 : -9223372036854775808;
        case 'float64': return max ? Number.MAX_VALUE : -Infinity;
        case 'bool': return max;
        case 'string': return max ? MAX_STRING : '';
        case 'bytes': return max ? Buffer.from([0, 1, 0xfe, 0xff]) : Buffer.alloc(0);
        // A records blob past the Writer's zero-copy threshold, so the chunked path is covered.
        case 'records': return max ? this.buf(5000) : Buffer.alloc(0);
        case 'uuid': return max ? Buffer.alloc(16, 0xff).toString('base64url') : 'AAAAAAAAAAAAAAAAAAAAAA';
      }
    }
    switch (t) {
      case 'int8': return this.int(-128, 127);
      case 'int16': return this.int(-32768, 32767);
      case 'uint16': return this.int(0, 65535);
      case 'int32': return this.int(-2147483648, 2147483647);
      case 'uint32': return this.int(0, 4294967295);
      case 'int64': return this.pick([this.int(-1e6, 1e6), this.int(0, 2 ** 31) * 2 ** 21 + this.int(0, 2 ** 21 - 1), -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);
      case 'float64': return this.pick([this.rnd() * 1e6 - 5e5, 0.1, -0, Number.MIN_VALUE, Infinity, 1 / 3]);
      case 'bool': return this.rnd() < 0.5;
      case 'string': return this.pick(UNICODE) + (this.rnd() < 0.5 ? String(this.int(0, 1e6)) : '');
      case 'bytes': return this.buf(this.int(0, 40));
      case 'records': return this.buf(this.pick([0, 61, 300, 4096, 6000]));
      case 'uuid': return this.uuid();
    }
    throw new Error(`unknown type ${t}`);
  }

  value(f: Field, taggedHere: boolean): unknown {
    const nullable = inRange(f.nullable, this.version);
    if (nullable && (this.variant === 'min' || (this.variant === 'random' && this.rnd() < 0.25))) return null;
    if (isArray(f.type)) {
      const n = this.variant === 'max' ? 2 : this.variant === 'min' ? 0 : this.int(0, 3);
      return Array.from({ length: n }, () => this.one(f, elem(f.type)));
    }
    const v = this.one(f, f.type);
    // A tagged field at its default is left out of the encoding, which is fine, but "max" wants it written.
    if (taggedHere && this.variant === 'max' && typeof v === 'boolean' && String(f.default) === String(v)) return !v;
    return v;
  }
  private one(f: Field, t: string): unknown {
    return PRIMS.has(t) ? this.prim(t) : this.struct(structFields(this.s, f));
  }
  struct(fields: Field[]): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    for (const f of fields) {
      const tg = isTagged(f, this.version, this.s);
      if (!isRegular(f, this.version) && (!tg || this.opts.tagged === false)) continue;
      o[camel(f.name)] = this.value(f, tg);
    }
    if (this.variant === 'max' && isFlexible(this.s, this.version) && this.opts.tagged !== false) {
      // Unknown tags (from a newer peer) must survive decode + encode; sorted, after every known tag.
      o._unknownTaggedFields = [[9000, Buffer.from('future')], [9001, Buffer.alloc(0)]];
    }
    return o;
  }
}

export interface SampleOptions {
  /** false: leave every tagged field out (at its default, so not encoded) - for peers that cannot read them. */
  tagged?: boolean;
}
/** A sample of schema `s` at `version`; `seed` varies the random variant. */
export function buildSample(s: Schema, version: number, variant: Variant, seed = 1, opts: SampleOptions = {}): Record<string, unknown> {
  return new Builder(s, version, variant, seed * 7919 + version * 131 + s.name.length, opts).struct(s.fields);
}

/**
 * Differences between a sample and what was decoded from its encoding, for the fields present at `version`
 * (values compared after the trip through the wire types: int64 as doubles, uuids and buffers by content).
 */
export function diffDecoded(s: Schema, version: number, fields: Field[], want: any, got: any, path = s.name): string[] {
  const out: string[] = [];
  for (const f of fields) {
    const k = camel(f.name);
    if (!isPresent(f, version, s) || !(k in want)) continue; // absent from the sample: encoded as the default
    const p = `${path}.${k}`;
    const [a, b] = [want[k], got?.[k]];
    if (a === null || b === null) {
      if (a !== b) out.push(`${p}: want ${String(a)}, got ${show(b)}`);
    } else if (isArray(f.type)) {
      if (!Array.isArray(b) || b.length !== a.length) { out.push(`${p}: want ${a.length} elements, got ${show(b)}`); continue; }
      for (let i = 0; i < a.length; i++) out.push(...diffOne(s, version, f, elem(f.type), a[i], b[i], `${p}[${i}]`));
    } else out.push(...diffOne(s, version, f, f.type, a, b, p));
  }
  if (want._unknownTaggedFields && !sameTagged(want._unknownTaggedFields, got?._unknownTaggedFields)) out.push(`${path}._unknownTaggedFields differ`);
  return out;
}
function diffOne(s: Schema, version: number, f: Field, t: string, a: any, b: any, p: string): string[] {
  if (!PRIMS.has(t)) return diffDecoded(s, version, structFields(s, f), a, b, p);
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b) ? [] : [`${p}: buffers differ`];
  return Object.is(a, b) ? [] : [`${p}: want ${show(a)}, got ${show(b)}`];
}
function sameTagged(a: [number, Buffer][], b: [number, Buffer][] | undefined) {
  return !!b && a.length === b.length && a.every(([t, d], i) => b[i][0] === t && d.equals(b[i][1]));
}
const show = (x: unknown) => (typeof x === 'string' ? JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x) : String(x));

/** Fast structural equality for decoded messages (Object.is on leaves, buffers by content, undefined = absent). */
export function deepSame(a: any, b: any): boolean {
  if (Object.is(a, b)) return true;
  if (a == null || b == null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepSame(a[k], b[k]));
}
