#!/usr/bin/env node
// Allocation profile of the broker's hot path: starts kafkalite in-process, samples every allocation
// (including objects already collected, unlike node --heap-prof) while kbench runs against it in a child
// process, then prints the functions that allocated the most.
//   node bench/alloc-profile.mjs [--out FILE.heapprofile] [kbench args...]   (default: kafkajs, 50000 x 100 B)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startBroker } from '../dist/index.js';

const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const out = outIdx >= 0 ? args.splice(outIdx, 2)[1] : null;
const kbenchArgs = args.length ? args : ['--messages', '50000', '--latency-samples', '0'];
const broker = await startBroker({ port: 0 });
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, [new URL('./kbench.mjs', import.meta.url).pathname, '--brokers', broker.bootstrap, ...kbenchArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', resolve);
});
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();
await broker.stop();
if (out) writeFileSync(out, JSON.stringify(profile));
const agg = new Map();
let total = 0;
(function walk(node) {
  const cf = node.callFrame;
  const key = `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^file:\/\/.*?\/(node_modules|dist|src)\//, '$1/')}:${cf.lineNumber + 1}`;
  total += node.selfSize;
  agg.set(key, (agg.get(key) ?? 0) + node.selfSize);
  for (const c of node.children) walk(c);
})(profile.head);
console.log(`\nkbench exit ${code}; ${(total / 1048576).toFixed(1)} MB allocated (sampled) in the broker process, by function:`);
for (const [k, b] of [...agg].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`${(b / 1048576).toFixed(2).padStart(8)} MB ${((100 * b) / total).toFixed(1).padStart(5)}%  ${k}`);
process.exit(0);
