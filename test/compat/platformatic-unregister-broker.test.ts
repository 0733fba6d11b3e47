// UnregisterBroker (key 64) through @platformatic/kafka's own v0 codec (Admin.unregisterBroker in Java): a stopped
// broker's registration goes, so DescribeCluster no longer lists it as fenced, until it starts again; unknown ids
// get BROKER_ID_NOT_REGISTERED.
import { Connection, unregisterBrokerV0 } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { RawClient } from '../coordinator/raw-client.js';
import { platformaticResponse, withBrokerAndConnection } from './helpers.js';

let broker: RunningBroker;
let conn: Connection;
withBrokerAndConnection((b, c) => ([broker, conn] = [b, c]), { brokers: 2 });

const unregister = (id: number) => platformaticResponse(unregisterBrokerV0.api.async(conn, id));

async function fencedListing(): Promise<[number, boolean][]> {
  const c = await RawClient.connect(broker.port);
  try {
    const r = await c.send(60, 2, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: true });
    return r.brokers.map((b: any) => [b.brokerId, b.isFenced]);
  } finally {
    c.close();
  }
}

describe('UnregisterBroker via @platformatic/kafka', () => {
  it('drops a stopped broker from the fenced listing until it starts, and refuses unknown ids', async () => {
    await broker.stopBroker(1);
    try {
      expect(await fencedListing()).toEqual([[0, false], [1, true]]);
      expect(await unregister(1)).toMatchObject({ errorCode: 0, errorMessage: null });
      expect(await fencedListing()).toEqual([[0, false]]);
      expect(await unregister(1)).toMatchObject({ errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, errorMessage: 'Broker ID 1 is not currently registered' });
      expect((await unregister(7)).errorCode).toBe(ErrorCode.BROKER_ID_NOT_REGISTERED);
    } finally {
      await broker.startBroker(1);
    }
    expect(await fencedListing()).toEqual([[0, false], [1, false]]);
    // A running broker registers again at once (its next heartbeat, in Kafka): nothing changes.
    expect((await unregister(0)).errorCode).toBe(0);
    expect(await fencedListing()).toEqual([[0, false], [1, false]]);
  });
});
