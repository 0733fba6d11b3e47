// The HTTP control endpoint (--control-port), driven with fetch(): broker stop/start, faults, topics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli.js';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { portOpen } from './helpers.js';

let b: RunningBroker;
let base: string;
beforeAll(async () => {
  b = await startTestBroker({ brokers: 3, controlPort: 0 });
  base = `http://127.0.0.1:${b.controlPort}`;
});
afterAll(() => b?.stop());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, json: await res.json() };
}

describe('HTTP control endpoint', () => {
  it('is off unless asked for, and --control-port turns it on', async () => {
    const plain = await startTestBroker();
    try {
      expect(plain.controlPort).toBeUndefined();
    } finally {
      await plain.stop();
    }
    expect(parseCli(['--control-port', '0'], {}).opts.controlPort).toBe(0);
    expect(parseCli([], {}).opts.controlPort).toBeUndefined();
    expect(b.controlPort).toBeGreaterThan(0);
  });

  it('lists brokers and stops and starts them', async () => {
    const brokers = (await call('GET', '/brokers')).json;
    expect(brokers.map((x: any) => [x.nodeId, x.alive, x.controller])).toEqual([[0, true, true], [1, true, false], [2, true, false]]);
    expect(brokers[1].endpoints[0]).toMatchObject({ listener: 'PLAINTEXT', port: b.brokers[1].ports.PLAINTEXT });

    const t = topicName('http');
    const admin = kafkajs(b).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 3, replicationFactor: 2 }] });
    await admin.disconnect();

    const stopped = await call('POST', '/brokers/1/stop');
    expect(stopped).toMatchObject({ status: 200, json: { nodeId: 1, alive: false } });
    expect(await portOpen(b.brokers[1].ports.PLAINTEXT)).toBe(false);
    const topics = (await call('GET', '/topics')).json;
    const mine = topics.find((x: any) => x.name === t);
    expect(mine.partitions).toHaveLength(3);
    for (const p of mine.partitions) expect(p.leader).not.toBe(1);
    expect(mine.partitions.find((p: any) => p.replicas[0] === 1)).toMatchObject({ leaderEpoch: 1 });

    expect((await call('POST', '/brokers/1/start')).json).toMatchObject({ nodeId: 1, alive: true });
    expect(await portOpen(b.brokers[1].ports.PLAINTEXT)).toBe(true);
    expect((await call('POST', '/brokers/1/restart')).json).toMatchObject({ alive: true });
    expect((await call('POST', '/brokers/1/stop?controlled=true')).json).toMatchObject({ alive: false });
    for (const p of b.cluster.topics.get(t)!.partitions) expect(p.isr).not.toContain(1);
    expect((await call('POST', '/brokers/1/start')).json).toMatchObject({ alive: true });
    for (const p of b.cluster.topics.get(t)!.partitions) expect(p.isr).toContain(p.replicas[0]);
    expect((await call('POST', '/brokers/2/isolate')).json).toMatchObject({ isolated: true });
    expect((await call('DELETE', '/brokers/2/isolate')).json).toMatchObject({ isolated: false });
    expect((await call('POST', '/brokers/0/drop-connections')).json).toHaveProperty('dropped');
  });

  it('injects, lists and clears request faults; kafkajs retries the injected error', async () => {
    const added = await call('POST', '/faults', { apiKey: 'Produce', error: 'NOT_LEADER_OR_FOLLOWER', count: 1 });
    expect(added).toMatchObject({ status: 200, json: { kind: 'error', apiKey: 0, errorCode: 6, remaining: 1 } });
    expect((await call('GET', '/faults')).json).toHaveLength(1);
    const prod = kafkajs(b, { retry: { retries: 5, initialRetryTime: 50 } }).producer();
    await prod.connect();
    await prod.send({ topic: topicName('http-produce'), messages: [{ value: 'x' }] });
    await prod.disconnect();
    expect((await call('GET', '/faults')).json).toEqual([]);

    await call('POST', '/faults', { type: 'delay', apiKey: 'Fetch', ms: 100 });
    const del = await call('POST', '/faults', { type: 'close', apiKey: 3, count: 2 });
    expect((await call('GET', '/faults')).json).toHaveLength(2);
    expect((await call('DELETE', `/faults/${del.json.id}`)).json).toEqual({ removed: true });
    expect((await call('DELETE', '/faults')).json).toEqual({ cleared: true });
    expect((await call('GET', '/faults')).json).toEqual([]);
  });

  it('sets replication delays and answers bad requests with 4xx', async () => {
    expect((await call('POST', '/replication-delay', { ms: 50, brokerId: 2 })).json).toEqual([{ ms: 50, brokerId: 2 }]);
    expect((await call('POST', '/replication-delay', { ms: 0, brokerId: 2 })).json).toEqual([]);
    expect((await call('POST', '/faults', { apiKey: 'NoSuchApi', error: 'NONE' })).status).toBe(400);
    expect((await call('POST', '/faults', { apiKey: 'Produce', error: 'NO_SUCH_ERROR' })).status).toBe(400);
    expect((await call('POST', '/faults', '{not json')).status).toBe(400);
    expect((await call('POST', '/brokers/9/stop')).status).toBe(404);
    expect((await call('GET', '/nope')).status).toBe(404);
    expect((await call('GET', '/')).json.routes.length).toBeGreaterThan(5);
  });
});
