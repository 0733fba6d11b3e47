#!/usr/bin/env node
// Generates src/protocol/generated/ from the Apache Kafka JSON message schemas.
// Merges Kafka 4.1.1 (messages/) with 3.9.1 (messages-3.9/) so every version either release defines is covered
// (loading and merging live in ./protocol-schemas.mjs, which the protocol tests import too).
//   node scripts/generate-protocol.mjs [--schemas DIR] [--out DIR] [--check]
// --check writes nothing and exits 1 when the committed output differs from what the schemas give.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SCHEMA_DIR, INF, loadSchemas, regular } from './protocol-schemas.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    schemas: { type: 'string', default: DEFAULT_SCHEMA_DIR },
    out: { type: 'string', default: join(root, 'src', 'protocol', 'generated') },
    check: { type: 'boolean', default: false },
  },
});

// ---------- code generation ----------

const camel = (s) => s[0].toLowerCase() + s.slice(1);
const PRIMS = {
  int8: 'number', int16: 'number', uint16: 'number', int32: 'number', uint32: 'number', int64: 'number',
  float64: 'number', bool: 'boolean', string: 'string', bytes: 'Buffer', records: 'Buffer', uuid: 'string',
};
const isArray = (t) => t.startsWith('[]');
const elemType = (t) => t.slice(2);
const isPrim = (t) => t in PRIMS;

// Condition "version is in range r", simplified against the enclosing known range.
function cond(r, ctx = [0, INF]) {
  if (!r) return 'false';
  const lo = r[0] <= ctx[0] ? null : `version >= ${r[0]}`;
  const hi = r[1] >= ctx[1] ? null : `version <= ${r[1]}`;
  if (!lo && !hi) return 'true';
  return [lo, hi].filter(Boolean).join(' && ');
}
function within(r, ctx) {
  return [Math.max(r[0], ctx[0]), Math.min(r[1], ctx[1])];
}

function defaultValue(f, typeName) {
  const d = f.default;
  if (isArray(f.type)) return f.nullable && d === 'null' ? 'null' : '[]';
  if (!isPrim(f.type)) return f.nullable && (d === 'null' || d === undefined) ? 'null' : `${typeName}Default()`;
  if (d === 'null') return 'null';
  switch (f.type) {
    case 'bool': return d === true || d === 'true' ? 'true' : 'false';
    case 'string': return d !== undefined ? JSON.stringify(String(d)) : "''";
    case 'bytes': return 'EMPTY';
    case 'records': return f.nullable ? 'null' : 'EMPTY';
    case 'uuid': return 'ZERO_UUID';
    case 'float64': return d !== undefined ? String(Number(d)) : '0';
    default: {
      if (d === undefined) return '0';
      const n = typeof d === 'number' ? d : Number(BigInt(d));
      return String(n);
    }
  }
}

class Gen {
  constructor(schema) {
    this.s = schema;
    this.structs = new Map(); // typeName -> {fields, versions}
    this.lines = [];
    this.prefix = schema.name;
    for (const c of schema.commonStructs) this.structs.set(c.name, { name: c.name, fields: c.fields, versions: c.versions });
    this.collect(schema.fields);
  }
  collect(fields) {
    for (const f of fields) {
      if (f.fields) {
        const t = isArray(f.type) ? elemType(f.type) : f.type;
        if (!this.structs.has(t)) this.structs.set(t, { name: t, fields: f.fields, versions: f.versions });
        this.collect(f.fields);
      }
    }
    for (const c of this.s.commonStructs) if (c.fields !== fields) { /* common structs collected above */ }
  }
  tsName(struct) { return struct === null ? this.prefix : `${this.prefix}${struct}`; }
  fieldTs(f) {
    const base = (t) => (isPrim(t) ? PRIMS[t] : this.tsName(t));
    let t = isArray(f.type) ? `${base(elemType(f.type))}[]` : base(f.type);
    if (f.nullable) t += ' | null';
    return t;
  }
  emitInterface(name, fields) {
    const out = [`export interface ${name} {`];
    for (const f of fields) {
      const bits = [f.about ?? ''];
      bits.push(`versions ${rangeStr(f.versions)}`);
      if (f.nullable) bits.push(`nullable ${rangeStr(f.nullable)}`);
      if (f.tagged) bits.push(`tagged ${rangeStr(f.tagged)} tag ${f.tag}`);
      if (f.entityType) bits.push(`entity ${f.entityType}`);
      if (f.ignorable) bits.push('ignorable');
      out.push(`  /** ${bits.filter(Boolean).join('; ').replace(/\*\//g, '* /')} */`);
      out.push(`  ${camel(f.name)}: ${this.fieldTs(f)};`);
    }
    out.push('  /** Tagged fields this codec does not know, kept for re-encoding. */');
    out.push('  _unknownTaggedFields?: TaggedField[];');
    out.push('}');
    return out.join('\n');
  }
  // The string/bytes primitive to call, chosen by the compact (flexible) and nullable conditions.
  choose(f, t, ctx, nullC, call) {
    const fns = t === 'string'
      ? ['string', 'nullableString', 'compactString', 'compactNullableString']
      : ['bytes', 'nullableBytes', 'compactBytes', 'compactNullableBytes'];
    const byNull = (c) => {
      const [a, b] = c ? [fns[3], fns[2]] : [fns[1], fns[0]];
      return nullC === 'true' ? call(a) : nullC === 'false' ? call(b) : `(${nullC} ? ${call(a)} : ${call(b, true)})`;
    };
    const flexC = this.flexCond(f, ctx);
    return flexC === 'true' ? byNull(true) : flexC === 'false' ? byNull(false) : `(${flexC} ? ${byNull(true)} : ${byNull(false)})`;
  }
  // Expression decoding one value of type t (not an array) at a version known to be within ctx.
  readExpr(f, t, ctx, nullC) {
    if (t in PRIMS && t !== 'string' && t !== 'bytes' && t !== 'records') return `r.${t}()`;
    if (t === 'string' || t === 'bytes' || t === 'records') return this.choose(f, t === 'records' ? 'bytes' : t, ctx, nullC, (fn) => `r.${fn}()`);
    const dec = `decode${this.tsName(t)}(r, version)`;
    if (nullC === 'false') return dec;
    const n = `(r.int8() < 0 ? null : ${dec})`;
    return nullC === 'true' ? n : `(${nullC} ? ${n} : ${dec})`;
  }
  writeStmt(f, t, v, ctx, nullC) {
    if (t in PRIMS && t !== 'string' && t !== 'bytes' && t !== 'records') return `w.${t}(${v});`;
    if (t === 'string' || t === 'bytes' || t === 'records') return this.choose(f, t === 'records' ? 'bytes' : t, ctx, nullC, (fn, nn) => `w.${fn}(${v}${nn ? '!' : ''})`) + ';';
    const enc = `encode${this.tsName(t)}(w, ${v}, version)`;
    if (nullC === 'false') return `${enc};`;
    const nn = `{ const x = ${v}; if (x == null) w.int8(-1); else { w.int8(1); encode${this.tsName(t)}(w, x, version); } }`;
    return nullC === 'true' ? nn : `if (${nullC}) { ${nn} } else encode${this.tsName(t)}(w, ${v}!, version);`;
  }
  flexCond(f, ctx) {
    // A field may override the message's flexible range (the request header's ClientId is never compact).
    const fr = f.flexible !== undefined ? f.flexible : this.s.flexible;
    if (!fr || ctx[1] < fr[0]) return 'false';
    if (ctx[0] >= fr[0]) return 'true';
    return fr === this.s.flexible ? 'flex' : `version >= ${fr[0]}`;
  }
  emitDecodeField(f, target, ctx, body) {
    const nullableCond = f.nullable ? cond(within(f.nullable, ctx), ctx) : 'false';
    const nc = f.nullable && f.nullable[0] > ctx[1] ? 'false' : nullableCond;
    if (isArray(f.type)) {
      const et = elemType(f.type);
      const flexC = this.flexCond(f, ctx);
      const compact = flexC === 'true' ? 'true' : flexC === 'false' ? 'false' : flexC;
      body.push(`{ const n = r.arrayLength(${compact});`);
      if (nc === 'false') body.push(`  if (n < 0) throw new ProtocolError('non-nullable array ${f.name} is null');`);
      const elem = this.readExpr({ ...f, nullable: null }, et, ctx, 'false');
      const arr = `const a = new Array(n); for (let i = 0; i < n; i++) a[i] = ${elem}; ${target} = a;`;
      body.push(nc === 'false' ? `  ${arr} }` : `  if (n < 0) ${target} = null; else { ${arr} } }`);
    } else {
      body.push(`${target} = ${this.readExpr(f, f.type, ctx, nc)};`);
    }
  }
  emitEncodeField(f, value, ctx, body) {
    const nc = f.nullable ? (f.nullable[0] > ctx[1] ? 'false' : cond(within(f.nullable, ctx), ctx)) : 'false';
    if (isArray(f.type)) {
      const et = elemType(f.type);
      const flexC = this.flexCond(f, ctx);
      const compact = flexC === 'true' ? 'true' : flexC === 'false' ? 'false' : flexC;
      const inner = this.writeStmt({ ...f, nullable: null }, et, 'e', ctx, 'false');
      body.push(`{ const a = ${value}; w.arrayLength(a == null ? ${nc === 'false' ? '0' : 'null'} : a.length, ${compact}); if (a != null) for (const e of a) ${inner} }`);
    } else {
      body.push(this.writeStmt(f, f.type, value, ctx, nc));
    }
  }
  emitStruct(structName, fields, versions) {
    const name = this.tsName(structName);
    const ctx = structName === null ? this.s.valid : within(versions ?? [0, INF], this.s.valid);
    const out = [];
    this.types.push(this.emitInterface(name, fields));
    this.names.push(name);
    this.functions.push(`${name}Default`, `decode${name}`, `encode${name}`);
    // default factory
    out.push(`export function ${name}Default(): ${name} {`);
    out.push(`  return { ${fields.map((f) => `${camel(f.name)}: ${defaultValue(f, this.tsName(isArray(f.type) ? elemType(f.type) : f.type))}`).join(', ')} };`);
    out.push('}');
    // decoder
    const dec = [];
    const flexVar = this.s.flexible ? `const flex = version >= ${this.s.flexible[0]};` : '';
    dec.push(`export function decode${name}(r: Reader, version: number): ${name} {`);
    if (flexVar) dec.push(`  ${flexVar}`);
    dec.push(`  const o = ${name}Default();`);
    const taggedFs = fields.filter((f) => f.tagged);
    for (const f of fields) {
      const fr = within(regular(f), ctx);
      if (fr[0] > fr[1]) continue;
      const c = cond(fr, ctx);
      const body = [];
      this.emitDecodeField(f, `o.${camel(f.name)}`, fr, body);
      if (c === 'true') dec.push(...body.map((l) => '  ' + l));
      else dec.push(`  if (${c}) { ${body.join(' ')} }`);
    }
    if (this.s.flexible) {
      const cases = taggedFs.map((f) => {
        const body = [];
        const tr = within(f.tagged, ctx);
        this.emitDecodeField(f, `o.${camel(f.name)}`, tr, body);
        return `    case ${f.tag}: if (${cond(tr, ctx)}) { ${body.join(' ')} return true; } return false;`;
      });
      dec.push(`  if (flex) o._unknownTaggedFields = r.taggedFields(${cases.length ? '(tag, r) => {\n    switch (tag) {\n' + cases.join('\n') + '\n    }\n    return false;\n  }' : '() => false'});`);
    }
    dec.push('  return o;');
    dec.push('}');
    out.push(dec.join('\n'));
    // encoder
    const enc = [];
    enc.push(`export function encode${name}(w: Writer, v: Input<${name}>, version: number): void {`);
    if (flexVar) enc.push(`  ${flexVar}`);
    for (const f of fields) {
      const fr = within(regular(f), ctx);
      if (fr[0] > fr[1]) continue;
      const c = cond(fr, ctx);
      const body = [];
      const dv = defaultValue(f, this.tsName(isArray(f.type) ? elemType(f.type) : f.type));
      this.emitEncodeField(f, `(v.${camel(f.name)} === undefined ? ${dv} : v.${camel(f.name)})`, fr, body);
      if (c === 'true') enc.push(...body.map((l) => '  ' + l));
      else enc.push(`  if (${c}) { ${body.join(' ')} }`);
    }
    if (this.s.flexible) {
      enc.push('  if (flex) {');
      enc.push('    const t: TaggedField[] = v._unknownTaggedFields ? [...(v._unknownTaggedFields as TaggedField[])] : [];');
      for (const f of taggedFs) {
        const tr = within(f.tagged, ctx);
        const body = [];
        const dv = defaultValue(f, this.tsName(isArray(f.type) ? elemType(f.type) : f.type));
        this.emitEncodeField(f, `(v.${camel(f.name)} as any)`, tr, body);
        // Tagged fields are written only when they differ from their default.
        const isDefault = dv === '[]' ? `(v.${camel(f.name)} == null || (v.${camel(f.name)} as any).length === 0)` : dv.endsWith('Default()') ? `(v.${camel(f.name)} == null || sameValue(v.${camel(f.name)}, ${dv}))` : `(v.${camel(f.name)} ?? ${dv}) === ${dv}`;
        enc.push(`    if (${cond(tr, ctx)} && !(${isDefault})) t.push(tagged(${f.tag}, (w) => { ${body.join(' ')} }));`);
      }
      enc.push('    w.taggedFields(t);');
      enc.push('  }');
    }
    enc.push('}');
    out.push(enc.join('\n'));
    return out.join('\n\n');
  }
  /** { types: the interfaces, code: the functions, names: interface names, functions: function names }. */
  generate() {
    this.types = [];
    this.names = [];
    this.functions = [];
    const parts = [];
    for (const [n, st] of this.structs) parts.push(this.emitStruct(n, st.fields, st.versions));
    parts.push(this.emitStruct(null, this.s.fields, this.s.valid));
    return { types: this.types.join('\n\n'), code: parts.join('\n\n'), names: this.names, functions: this.functions };
  }
}
function rangeStr(r) {
  if (!r) return 'none';
  return r[1] === INF ? `${r[0]}+` : r[0] === r[1] ? `${r[0]}` : `${r[0]}-${r[1]}`;
}

const HEADER = `// Generated by scripts/generate-protocol.mjs from the Apache Kafka message schemas
// (Kafka 4.1.1 merged with 3.9.1; see ../../../NOTICE and shared/kafka-protocol/PROVENANCE.md). Do not edit.
//
// Licensed to the Apache Software Foundation (ASF) under one or more contributor license agreements; the schemas
// this file is derived from are licensed under the Apache License, Version 2.0
// (http://www.apache.org/licenses/LICENSE-2.0).
/* eslint-disable */
`;
const IMPORTS = `import { Reader, Writer, ProtocolError, ZERO_UUID, tagged, sameValue, type TaggedField, type Input } from '../primitives.js';
const EMPTY = Buffer.alloc(0);
void ProtocolError; void ZERO_UUID; void tagged; void sameValue; void EMPTY;
`;
// Each API's file holds its interfaces (with the field documentation) and re-exports its functions, whose code
// lives in one module, codecs.ts: loading ~100 small ES modules cost ~40 ms of broker start-up, one module ~15 ms.
const CODECS_NOTE = `// The decoders and encoders of every API; their types are in the per-API files, which re-export these functions.
`;
const wrap = (names, width = 110) => {
  const lines = [];
  let cur = ' ';
  for (const n of names) {
    if (cur.length + n.length + 2 > width) { lines.push(cur.trimEnd()); cur = ' '; }
    cur += ` ${n},`;
  }
  if (cur.trim()) lines.push(cur.trimEnd());
  return lines.join('\n');
};

const kebab = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

function main() {
  const schemas = loadSchemas(opts.schemas);
  const files = new Map();
  const apis = [];
  const codecs = [HEADER, CODECS_NOTE, IMPORTS];
  const typeFiles = [];
  // One per-API file: the interfaces, plus its functions re-exported from codecs.ts.
  const addFile = (file, gens) => {
    const names = gens.flatMap((g) => g.names);
    const functions = gens.flatMap((g) => g.functions);
    const js = file.replace(/\.ts$/, '.js');
    files.set(file, [HEADER, `import type { TaggedField } from '../primitives.js';\n`, ...gens.map((g) => g.types),
      `export {\n${wrap(functions)}\n} from './codecs.js';`].join('\n') + '\n');
    codecs.push(`import type {\n${wrap(names)}\n} from './${js}';`);
    typeFiles.push({ js, names });
    return gens.map((g) => g.code);
  };
  const code = [];
  for (const s of schemas.values()) {
    if (s.type !== 'request') continue;
    const base = s.name.replace(/Request$/, '');
    const resp = schemas.get(base + 'Response');
    if (!resp) throw new Error(`no response for ${s.name}`);
    if (rangeStr(resp.valid) !== rangeStr(s.valid)) throw new Error(`version range differs for ${base}`);
    const file = kebab(base) + '.ts';
    code.push(...addFile(file, [new Gen(s).generate(), new Gen(resp).generate()]));
    // The versions whose response has a top-level error code (fault injection answers with it).
    const errorCode = resp.fields.find((f) => f.name === 'ErrorCode' && f.type === 'int16');
    const errorRange = errorCode ? within(regular(errorCode), resp.valid) : null;
    apis.push({ key: s.apiKey, name: base, file, min: s.valid[0], max: s.valid[1],
      stableMax: s.latestVersionUnstable ? s.valid[1] - 1 : s.valid[1], flex: s.flexible ? s.flexible[0] : null,
      errorCode: errorRange && errorRange[0] <= errorRange[1] ? errorRange : null });
  }
  for (const h of ['RequestHeader', 'ResponseHeader']) code.push(...addFile(kebab(h) + '.ts', [new Gen(schemas.get(h)).generate()]));
  files.set('codecs.ts', [...codecs, '', ...code].join('\n') + '\n');
  apis.sort((a, b) => a.key - b.key);
  const idx = [HEADER];
  idx.push(`import type { Reader, Writer } from '../primitives.js';`);
  idx.push(`import * as codecs from './codecs.js';`);
  idx.push(`export * from './codecs.js';`);
  for (const t of typeFiles) idx.push(`export type {\n${wrap(t.names)}\n} from './${t.js}';`);
  idx.push(`
/** What a broker needs of an API: its versions, and decoding its requests and encoding its responses. */
export interface ServerApiSchema {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** The newest version Kafka advertises: maxVersion unless that one is marked unstable (latestVersionUnstable). */
  stableMaxVersion: number;
  /** First flexible version, or -1 when the API never uses the flexible encoding. */
  flexibleFrom: number;
  /** The versions whose response has a top-level ErrorCode, or null. */
  responseErrorCode: readonly [number, number] | null;
  decodeRequest(r: Reader, version: number): any;
  encodeResponse(w: Writer, v: any, version: number): void;
}

/** An API with the client's halves too: encoding requests and decoding responses (tests, benchmarks). */
export interface ApiSchema extends ServerApiSchema {
  encodeRequest(w: Writer, v: any, version: number): void;
  decodeResponse(r: Reader, version: number): any;
}
`);
  const entry = (a, client) => {
    const m = 'codecs';
    const err = a.errorCode ? `[${a.errorCode[0]}, ${a.errorCode[1]}]` : 'null';
    const halves = client ? `, encodeRequest: ${m}.encode${a.name}Request, decodeResponse: ${m}.decode${a.name}Response` : '';
    return `  [${a.key}, { key: ${a.key}, name: '${a.name}', minVersion: ${a.min}, maxVersion: ${a.max}, stableMaxVersion: ${a.stableMax}, flexibleFrom: ${a.flex ?? -1}, responseErrorCode: ${err}, decodeRequest: ${m}.decode${a.name}Request, encodeResponse: ${m}.encode${a.name}Response${halves} }],`;
  };
  idx.push('/** Every API in the union of Kafka 4.1.1 and 3.9.1, by API key: what the broker uses. */');
  idx.push('export const SERVER_API_SCHEMAS: ReadonlyMap<number, ServerApiSchema> = new Map<number, ServerApiSchema>([');
  for (const a of apis) idx.push(entry(a, false));
  idx.push(']);');
  idx.push('');
  idx.push('/**');
  idx.push(' * The same with the client halves. Marked pure: a bundle of the broker alone references neither this map nor the');
  idx.push(' * request encoders and response decoders, so it leaves them out (a third of the codecs, ~4 ms of compiling).');
  idx.push(' */');
  idx.push('export const API_SCHEMAS: ReadonlyMap<number, ApiSchema> = /* @__PURE__ */ new Map<number, ApiSchema>([');
  for (const a of apis) idx.push(entry(a, true));
  idx.push(']);');
  idx.push(`\nexport const enum ApiKey {\n${apis.map((a) => `  ${a.name} = ${a.key},`).join('\n')}\n}`);
  files.set('index.ts', idx.join('\n') + '\n');

  if (opts.check) {
    const stale = [];
    for (const [f, code] of files) {
      const p = join(opts.out, f);
      if (!existsSync(p) || readFileSync(p, 'utf8') !== code) stale.push(f);
    }
    const extra = existsSync(opts.out) ? readdirSync(opts.out).filter((f) => !files.has(f)) : [];
    if (stale.length || extra.length) {
      process.stderr.write(`generated protocol code is stale: ${[...stale, ...extra].join(', ')}\nrun: npm run generate\n`);
      process.exit(1);
    }
    process.stdout.write(`generated protocol code is up to date (${files.size} files)\n`);
    return;
  }
  if (existsSync(opts.out)) rmSync(opts.out, { recursive: true });
  mkdirSync(opts.out, { recursive: true });
  for (const [f, code] of files) writeFileSync(join(opts.out, f), code);
  process.stdout.write(`wrote ${files.size} files to ${opts.out}\n`);
}

main();
