// Child process for the start-up figures: time to import kafkalite, the first in-process startBroker()
// (includes lazily loaded modules) and later ones (what a test suite starting a broker per file sees).
// Prints one JSON line.
import { performance } from 'node:perf_hooks';
const t0 = performance.now();
const { startBroker } = await import('kafkalite'); // the package's export, as a dependent's tests import it
const importMs = performance.now() - t0;
const times = [];
for (let i = 0; i < 6; i++) {
  const t = performance.now();
  const b = await startBroker({ port: 0 });
  times.push(performance.now() - t);
  await b.stop();
}
const later = times.slice(1).sort((a, b) => a - b);
console.log(JSON.stringify({ importMs, firstStartMs: times[0], laterStartMs: later[later.length >> 1] }));
process.exit(0);
