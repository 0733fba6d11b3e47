// The warm-up is best effort: when its private broker cannot start or its connections fail, the real brokers carry
// on and `done` says so. (Its round trips beside kafkajs clients: test/compat/kafkajs-warm-up.test.ts.)
import { describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../src/kafkalite.js';
import { createLogger } from '../src/logger.js';
import { startWarmUp } from '../src/warm-up.js';

describe('startWarmUp', () => {
  it('resolves undefined when its broker cannot start', async () => {
    const w = startWarmUp(() => Promise.reject(new Error('no port')), createLogger('silent'), 10);
    expect(await w.done).toBeUndefined();
  });

  it('stops its broker when a connection fails midway, and resolves undefined', async () => {
    let stopped = false;
    const w = startWarmUp(async (o) => {
      const broker: RunningBroker = await startBroker(o);
      const stop = broker.stop;
      broker.stop = (graceMs) => { stopped = true; return stop(graceMs); };
      setTimeout(() => broker.dropConnections(), 30); // every connection to it dropped a few milliseconds in
      return broker;
    }, createLogger('silent'), 10_000_000);
    expect(await w.done).toBeUndefined();
    expect(stopped).toBe(true);
  });
});
