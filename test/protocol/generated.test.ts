// The committed codec in src/protocol/generated/ must be exactly what scripts/generate-protocol.mjs makes of the
// Kafka schemas: a schema change, or a generator change without `npm run generate`, fails here.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_SCHEMAS, SERVER_API_SCHEMAS } from '../../src/protocol/generated/index.js';
import { Reader, Writer } from '../../src/protocol/primitives.js';

const ROOT = join(__dirname, '..', '..');
const GENERATOR = join(ROOT, 'scripts', 'generate-protocol.mjs');
const OUT = join(ROOT, 'src', 'protocol', 'generated');
const SCHEMAS = process.env.KAFKA_PROTOCOL_DIR ?? join(ROOT, '..', 'shared', 'kafka-protocol');
const haveSchemas = existsSync(join(SCHEMAS, 'messages'));

function check(out = OUT) {
  return spawnSync(process.execPath, [GENERATOR, '--check', '--schemas', SCHEMAS, '--out', out], { encoding: 'utf8', timeout: 60_000 });
}

const SKIP = `Kafka schemas not found at ${SCHEMAS} (set KAFKA_PROTOCOL_DIR to check the generated codec)`;

describe('generated codec vs schemas', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kafkalite-gen-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('src/protocol/generated is up to date (run `npm run generate` if this fails)', (ctx) => {
    if (!haveSchemas) ctx.skip(SKIP);
    const r = check();
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr || r.stdout).toBe(0);
    expect(r.stdout).toMatch(/up to date/);
  });

  it('--check notices an edited, a missing and an extra file', (ctx) => {
    if (!haveSchemas) ctx.skip(SKIP);
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['edited', (d) => appendFileSync(join(d, 'fetch.ts'), '// hand edit\n'), /fetch\.ts/],
      ['missing', (d) => rmSync(join(d, 'metadata.ts')), /metadata\.ts/],
      ['extra', (d) => writeFileSync(join(d, 'stray.ts'), ''), /stray\.ts/],
    ];
    for (const [name, mutate, msg] of cases) {
      const dir = join(tmp, name);
      cpSync(OUT, dir, { recursive: true });
      mutate(dir);
      const r = check(dir);
      expect(r.status, name).toBe(1);
      expect(r.stderr, name).toMatch(msg);
    }
  });
});

describe('SERVER_API_SCHEMAS (what the broker uses)', () => {
  it('agrees with API_SCHEMAS, whose entries add only the client halves', () => {
    expect([...SERVER_API_SCHEMAS.keys()]).toEqual([...API_SCHEMAS.keys()]);
    for (const [key, full] of API_SCHEMAS) {
      const { encodeRequest, decodeResponse, ...server } = full;
      expect(typeof encodeRequest).toBe('function');
      expect(typeof decodeResponse).toBe('function');
      expect(SERVER_API_SCHEMAS.get(key)).toEqual(server);
    }
  });

  it('responseErrorCode holds exactly the versions whose response round-trips a top-level errorCode', () => {
    let withError = 0;
    for (const api of API_SCHEMAS.values()) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        let probed = false;
        try {
          const w = new Writer(64);
          api.encodeResponse(w, { errorCode: 4242 }, v);
          probed = api.decodeResponse(new Reader(w.toBuffer()), v)?.errorCode === 4242;
        } catch {
          probed = false;
        }
        const range = api.responseErrorCode;
        expect(!!range && v >= range[0] && v <= range[1], `${api.name} v${v}`).toBe(probed);
        if (probed) withError++;
      }
    }
    expect(withError).toBeGreaterThan(100);
  });
});
