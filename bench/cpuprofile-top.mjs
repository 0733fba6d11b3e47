#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and per file, top N.
//   node bench/cpuprofile-top.mjs FILE.cpuprofile [N] [--files]
import { readFileSync } from 'node:fs';
const [file, nArg] = process.argv.slice(2).filter((x) => !x.startsWith('--'));
const byFile = process.argv.includes('--files');
const N = Number(nArg ?? 30);
const p = JSON.parse(readFileSync(file, 'utf8'));
const dt = new Map(); // node id -> self microseconds
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const agg = new Map();
for (const node of p.nodes) {
  const cf = node.callFrame;
  const url = cf.url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/');
  const key = byFile ? url || `(${cf.functionName || 'native'})` : `${cf.functionName || '(anonymous)'} ${url}:${cf.lineNumber + 1}`;
  agg.set(key, (agg.get(key) ?? 0) + (dt.get(node.id) ?? 0));
}
console.log(`total ${(total / 1000).toFixed(1)} ms sampled`);
for (const [k, us] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, N)) console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
