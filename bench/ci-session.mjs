#!/usr/bin/env node
// ci-session: what a CI job's integration tests pay for their broker. Each run spawns a fresh broker and, through
// kafkajs, goes through --steps short test-like steps one after another (create a topic, produce --messages records
// one send at a time, consume them in a new group, disconnect); it reports the wall time from the broker's exec to
// the end and the broker's CPU. Variants as in bench/cold-e2e.mjs and bench/warm-up.mjs, interleaved round by round.
//
//   node bench/ci-session.mjs [--rounds 5] [--steps 10] [--messages 50] [-- variant ...]
//
// A variant is a target (kl-mem, kl-file, mock), then optionally `|` and kafkalite flags, then `|` and node flags;
// by default kl-mem, kl-mem with --warm-up and kl-file. (The mock runs, but its consumer groups wait 3 s before
// their first assignment, Kafka's group.initial.rebalance.delay.ms, which kafkalite sets to 0: that is all it measures.)
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { ensureBuilt, parseVariant, schedCpuMs, startTarget } from './lib/procs.mjs';
import { median } from './lib/raw.mjs';

const { Kafka, logLevel } = kafkajs;
const { values: a, positionals } = parseArgs({ allowPositionals: true, options: {
  rounds: { type: 'string', default: '5' }, steps: { type: 'string', default: '10' }, messages: { type: 'string', default: '50' },
} });
const VARIANTS = positionals.length ? positionals : ['kl-mem', 'kl-mem|--warm-up', 'kl-file'];

async function once(variant) {
  const { target, brokerArgs, nodeArgs } = parseVariant(variant);
  const t0 = performance.now();
  const broker = await startTarget(target, { brokerArgs, nodeArgs });
  const steps = [];
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    for (let s = 0; s < Number(a.steps); s++) {
      const ts = performance.now();
      const topic = `ci-session-${s}`;
      // The mock names no controller, so kafkajs cannot create topics there: its topics are auto-created by the first send.
      if (target !== 'mock') await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      const producer = kafka.producer();
      await producer.connect();
      for (let i = 0; i < Number(a.messages); i++) await producer.send({ topic, messages: [{ key: String(i), value: 'x'.repeat(100) }] });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `ci-session-${s}`, sessionTimeout: 6000, rebalanceTimeout: 1000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let n = 0;
      await new Promise((resolve) => consumer.run({ eachMessage: async () => { if (++n === Number(a.messages)) resolve(); } }));
      await consumer.disconnect();
      steps.push(performance.now() - ts);
    }
    await admin.disconnect();
    return { wallMs: performance.now() - t0, brokerCpuMs: schedCpuMs(broker.pid), firstStepMs: steps[0], lastStepMs: steps.at(-1) };
  } finally {
    await broker.stop();
  }
}

ensureBuilt();
const results = new Map(VARIANTS.map((v) => [v, []]));
const line = (v, r) => `${v.padEnd(28)} wall ${String(Math.round(r.wallMs)).padStart(6)} ms   broker CPU ${String(Math.round(r.brokerCpuMs)).padStart(5)} ms   first step ${Math.round(r.firstStepMs)} ms, last ${Math.round(r.lastStepMs)} ms`;
for (let round = 0; round < Number(a.rounds); round++) {
  for (const v of round % 2 ? [...VARIANTS].reverse() : VARIANTS) {
    const r = await once(v);
    results.get(v).push(r);
    console.log(line(v, r));
  }
}
console.log(`\nmedians of ${a.rounds} rounds (${a.steps} steps of ${a.messages} records, kafkajs, from the broker's exec)`);
for (const [v, runs] of results) {
  console.log(line(v, Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]))));
}
