// The package as a dependent imports it: `import { startBroker } from 'kafkalite'` resolves through package.json's
// "exports" to the bundle (dist/bundle/index.mjs, built by `npm test`'s pretest), not to src/ as the other tests.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as source from '../src/index.js';
import { Kafka, logLevel } from 'kafkajs';
import { topicName } from './compat/helpers.js';

const ROOT = join(__dirname, '..');
// Runs in a child process from the repository, where Node resolves the package's own name through its "exports".
const CHILD = `
const kafkalite = await import('kafkalite');
const broker = await kafkalite.startBroker({ port: 0, logLevel: 'silent' });
process.stdout.write(JSON.stringify({ exports: Object.keys(kafkalite).sort(), bootstrap: broker.bootstrap, url: import.meta.resolve('kafkalite') }) + '\\n');
process.stdin.on('end', () => broker.stop().then(() => process.exit(0)));
process.stdin.resume();
`;

describe("the package's export", () => {
  it('is the bundle, exports what src/index.ts does, and its broker serves kafkajs', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((res) => child.on('exit', res));
    const first = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      exited.then((code) => reject(new Error(`child exited ${code}: ${err}`)));
    });
    const info = JSON.parse(first) as { exports: string[]; bootstrap: string; url: string };
    try {
      expect(info.url).toMatch(/\/dist\/bundle\/index\.mjs$/);
      expect(info.exports).toEqual(Object.keys(source).sort());

      const kafka = new Kafka({ brokers: [info.bootstrap], logLevel: logLevel.NOTHING });
      const topic = topicName('entry');
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'k', value: 'from the bundle' }] });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: topicName('entry-group') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
      });
      await consumer.disconnect();
      expect(got).toBe('from the bundle');
    } finally {
      child.stdin.end();
    }
    expect(await exited).toBe(0);
  }, 30000);

  it('leaves out the client halves of the codecs (request encoders, response decoders), which the broker never calls', () => {
    const dir = join(ROOT, 'dist', 'bundle');
    const text = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    expect(text).toContain('function decodeProduceRequest(');
    expect(text).toContain('function encodeProduceResponse(');
    // The warm-up (src/warm-up.ts) sends Produce, Fetch, Metadata and ApiVersions requests; no other request encoder.
    expect(text).toContain('function encodeProduceRequest(');
    expect(text).not.toContain('function encodeJoinGroupRequest(');
    expect(text).not.toContain('function encodeOffsetCommitRequest(');
    expect(text).not.toContain('function decodeFetchResponse(');
    expect(text).not.toContain('function decodeProduceResponse(');
  });
});
