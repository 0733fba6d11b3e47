// Access to @platformatic/kafka's per-API protocol functions (dist/apis/<group>/<name>-v<N>.js, each exporting
// createRequest, parseResponse and api {key, version}), used as an independent implementation of the flexible
// versions. The package's exports map hides dist/, so modules are imported by file URL.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const PLATFORMATIC_DIST = join(__dirname, '..', '..', '..', 'node_modules', '@platformatic', 'kafka', 'dist');
const load = (rel: string): Promise<any> => import(/* @vite-ignore */ pathToFileURL(join(PLATFORMATIC_DIST, rel)).href);

export interface PlatformaticApi {
  file: string;
  key: number;
  version: number;
  createRequest: (...args: any[]) => any;
  parseResponse: (correlationId: number, apiKey: number, apiVersion: number, reader: any) => any;
}

/** Every per-version API module of the package. */
export async function platformaticApis(): Promise<PlatformaticApi[]> {
  const out: PlatformaticApi[] = [];
  const apis = join(PLATFORMATIC_DIST, 'apis');
  for (const d of readdirSync(apis, { withFileTypes: true }).filter((x) => x.isDirectory())) {
    for (const f of readdirSync(join(apis, d.name)).filter((x) => /-v\d+\.js$/.test(x)).sort()) {
      const m = await load(`apis/${d.name}/${f}`);
      if (m.api && m.parseResponse) out.push({ file: `${d.name}/${f}`, key: m.api.key, version: m.api.version, createRequest: m.createRequest, parseResponse: m.parseResponse });
    }
  }
  return out.sort((a, b) => a.key - b.key || a.version - b.version);
}

export async function platformaticApi(group: string, name: string, version: number): Promise<PlatformaticApi> {
  const m = await load(`apis/${group}/${name}-v${version}.js`);
  return { file: `${group}/${name}-v${version}.js`, key: m.api.key, version: m.api.version, createRequest: m.createRequest, parseResponse: m.parseResponse };
}

export const platformaticReader = async (): Promise<{ from(b: Buffer): { position: number; length: number } }> => (await load('protocol/reader.js')).Reader;
export const platformaticRecords = (): Promise<any> => load('protocol/records.js');

/** The bytes of a platformatic Writer (a request body: no size, no header). */
export const writerBytes = (w: any): Buffer => Buffer.from(w.buffer);

/** Our uuid form (base64url of the 16 bytes, as Kafka prints them) to platformatic's (dashed hex). */
export function uuidToDashed(b64: string): string {
  return Buffer.from(b64, 'base64url').toString('hex').replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
}
export function dashedToUuid(s: string): string {
  return Buffer.from(s.replace(/-/g, ''), 'hex').toString('base64url');
}
