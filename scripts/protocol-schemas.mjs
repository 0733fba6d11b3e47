// Loading and merging of the Apache Kafka JSON message schemas, shared by scripts/generate-protocol.mjs
// and the protocol tests (which build sample messages from the same merged view the generator uses).
// Kafka 4.1.1 (messages/) is merged with 3.9.1 (messages-3.9/): per field, the version ranges are unioned;
// fields only 3.9.1 knows are kept at their 3.9.1 position.
// A normalized field: { name, type, versions, nullable, tagged, tag, flexible, default, ignorable, entityType, about, fields }
// where every range is [lo, hi] (hi = INF for "N+") or null.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** $KAFKA_PROTOCOL_DIR, else ../shared/kafka-protocol next to the repository. */
export const DEFAULT_SCHEMA_DIR = process.env.KAFKA_PROTOCOL_DIR ?? join(root, '..', 'shared', 'kafka-protocol');

export const INF = 0x7fff;

export function parseRange(s) {
  if (s === undefined || s === 'none') return null;
  if (s.endsWith('+')) return [Number(s.slice(0, -1)), INF];
  const [a, b] = s.split('-').map(Number);
  return [a, b ?? a];
}
function unionRange(a, b, what) {
  if (!a || a[0] > a[1]) return b;
  if (!b || b[0] > b[1]) return a;
  if (a[1] + 1 < b[0] || b[1] + 1 < a[0]) throw new Error(`non-contiguous version union for ${what}: ${a} / ${b}`);
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

function readSchema(file) {
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\/\/.*$/, ''))
    .join('\n');
  return JSON.parse(text);
}

function normField(f) {
  return {
    name: f.name,
    type: f.type,
    versions: parseRange(f.versions),
    nullable: parseRange(f.nullableVersions),
    tagged: parseRange(f.taggedVersions),
    tag: f.tag,
    flexible: f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions),
    default: f.default,
    ignorable: !!f.ignorable,
    entityType: f.entityType,
    about: f.about,
    fields: f.fields ? f.fields.map(normField) : undefined,
  };
}

function normSchema(s) {
  return {
    apiKey: s.apiKey,
    type: s.type,
    name: s.name,
    valid: parseRange(s.validVersions),
    // Kafka does not advertise a latest version marked unstable (it is still being designed).
    latestVersionUnstable: s.latestVersionUnstable === true,
    flexible: parseRange(s.flexibleVersions),
    fields: (s.fields ?? []).map(normField),
    commonStructs: (s.commonStructs ?? []).map((c) => ({ name: c.name, versions: parseRange(c.versions), fields: c.fields.map(normField) })),
  };
}

function mergeFieldLists(newer, older, where) {
  const out = newer.map((f) => {
    const o = older.find((x) => x.name === f.name);
    return o ? mergeField(f, o, `${where}.${f.name}`) : f;
  });
  older.forEach((o, i) => {
    if (out.some((x) => x.name === o.name)) return;
    // Keep 3.9-only fields right after their 3.9 predecessor.
    let at = 0;
    for (let j = i - 1; j >= 0; j--) {
      const k = out.findIndex((x) => x.name === older[j].name);
      if (k >= 0) { at = k + 1; break; }
    }
    out.splice(at, 0, o);
  });
  return out;
}
function mergeField(a, b, where) {
  if (a.type !== b.type) throw new Error(`type differs for ${where}: ${a.type} / ${b.type}`);
  if (a.tag !== b.tag) throw new Error(`tag differs for ${where}`);
  return {
    ...a,
    versions: unionRange(a.versions, b.versions, where),
    nullable: unionRange(a.nullable, b.nullable, where + ' nullable'),
    tagged: unionRange(a.tagged, b.tagged, where + ' tagged'),
    fields: a.fields ? mergeFieldLists(a.fields, b.fields ?? [], where) : b.fields,
  };
}
// An open range ("0+") in the 3.9.1 file means "up to 3.9.1's maximum", not "every later version".
function clampFields(fields, max) {
  const c = (r) => (r && r[0] <= max ? [r[0], Math.min(r[1], max)] : null);
  return fields.map((f) => ({ ...f, versions: c(f.versions) ?? [1, 0], nullable: c(f.nullable), tagged: c(f.tagged),
    fields: f.fields && clampFields(f.fields, max) }));
}
function mergeSchemas(newer, older) {
  if (!older) return newer;
  older = { ...older, fields: clampFields(older.fields, older.valid[1]),
    commonStructs: older.commonStructs.map((c) => ({ ...c, fields: clampFields(c.fields, older.valid[1]) })) };
  if (!newer || !newer.valid) return older;
  return {
    ...newer,
    valid: unionRange(newer.valid, older.valid, newer.name),
    fields: mergeFieldLists(newer.fields, older.fields, newer.name),
    commonStructs: [
      ...newer.commonStructs.map((c) => {
        const o = older.commonStructs.find((x) => x.name === c.name);
        return o ? { ...c, versions: unionRange(c.versions, o.versions), fields: mergeFieldLists(c.fields, o.fields, c.name) } : c;
      }),
      ...older.commonStructs.filter((o) => !newer.commonStructs.some((c) => c.name === o.name)),
    ],
  };
}

/** Loads every request/response/header schema under `dir` (messages/ merged with messages-3.9/), by name. */
export function loadSchemas(dir = DEFAULT_SCHEMA_DIR) {
  const dir41 = join(dir, 'messages');
  const dir39 = join(dir, 'messages-3.9');
  const out = new Map();
  for (const f of readdirSync(dir41).filter((x) => x.endsWith('.json')).sort()) {
    const s41 = normSchema(readSchema(join(dir41, f)));
    if (!['request', 'response', 'header'].includes(s41.type)) continue;
    const p39 = join(dir39, f);
    const s39 = existsSync(p39) ? normSchema(readSchema(p39)) : undefined;
    const merged = mergeSchemas(s41, s39);
    if (!merged.valid) continue;
    out.set(merged.name, merged);
  }
  return out;
}

/** The versions in which a field is a regular (not tagged) field. */
export function regular(f) {
  if (!f.versions) return [1, 0];
  if (!f.tagged) return f.versions;
  return [f.versions[0], Math.min(f.versions[1], f.tagged[0] - 1)];
}
