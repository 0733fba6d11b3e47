// librdkafka 2.0.2 (through kcat): metadata listing, produce with every codec, consume back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { startTestBroker, topicName, hasKcat, kcat as runKcat } from './helpers.js';

let broker: RunningBroker;

function kcat(args: string[], input?: string) {
  return runKcat(broker, args, input);
}

describe.skipIf(!hasKcat)('kcat (librdkafka)', () => {
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(() => broker?.stop());

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`produces with -z ${codec} and consumes the same records`, async () => {
      const topic = topicName(`kcat-${codec}`);
      const lines = Array.from({ length: 50 }, (_, i) => `key${i}:value-${codec}-${i}`);
      const p = await kcat(['-P', '-t', topic, '-z', codec, '-K', ':', '-X', 'linger.ms=5'], lines.join('\n') + '\n');
      expect(p.status, p.stderr).toBe(0);
      const c = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k:%s\n']);
      expect(c.status, c.stderr).toBe(0);
      expect(c.stdout.trim().split('\n')).toEqual(lines);
    });
  }

  it('lists metadata with -L', async () => {
    const topic = topicName('kcat-meta');
    await kcat(['-P', '-t', topic], 'x\n');
    const l = await kcat(['-L', '-t', topic]);
    expect(l.status, l.stderr).toBe(0);
    expect(l.stdout).toMatch(/1 brokers:\s+broker 0 at 127\.0\.0\.1:\d+/);
    expect(l.stdout).toContain(`topic "${topic}" with 1 partitions`);
  });
});
