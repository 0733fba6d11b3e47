#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli.js) and library entry (dist/index.js, `startBroker`), after tsc, with pino
// into dist/bundle/kafkalite-cli.mjs, which bin/kafkalite runs, and dist/bundle/index.mjs, the package's export.
// Loading was mostly module resolution: ~120 ES modules of kafkalite and pino's CommonJS files at ~0.4 ms each;
// one file is one compile (docs/performance.md, "Start-up", and finding 14 for the library entry).
// Native packages, pino-pretty and re2js stay outside, loaded on first use through createRequire as in src/.
// The two entries share their code through chunks; the file engine and the control endpoint become chunks of
// their own, imported only when used.
// Not minified: measured no faster to start (V8 pre-parses whitespace cheaply) and stack traces stay readable.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

const result = await build({
  write: false,
  entryPoints: { 'kafkalite-cli': join(root, 'dist', 'cli.js'), index: join(root, 'dist', 'index.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  external: ['pino-pretty', 're2js', 'snappy', 'lz4-napi', 'zstd-napi', 'zstd-napi/*'],
  // pino and its dependencies are CommonJS: their require() of Node built-ins needs a real require in ESM.
  banner: { js: "import { createRequire as __klCreateRequire } from 'node:module'; const require = __klCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// Others may start the CLI while this runs (tests, benchmarks): chunks (named by content hash) are written
// before the entries that import them, each file replaced by rename, and old chunks removed last.
const isEntry = (f) => dirname(f.path) === outdir;
const files = [...result.outputFiles].sort((a, b) => isEntry(a) - isEntry(b));
for (const f of files) {
  mkdirSync(dirname(f.path), { recursive: true });
  writeFileSync(`${f.path}.tmp`, f.contents);
  renameSync(`${f.path}.tmp`, f.path);
}
const written = new Set(files.map((f) => relative(outdir, f.path)));
for (const name of readdirSync(outdir, { recursive: true, withFileTypes: true })) {
  const rel = relative(outdir, join(name.parentPath ?? name.path, name.name));
  if (name.isFile() && !written.has(rel)) rmSync(join(outdir, rel));
}
