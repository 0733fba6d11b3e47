// Random but plausible requests for every API and version the broker serves: a schema sample (random values),
// then names, ids and numbers steered towards what exists (the fuzz topics and groups, partitions 0-3, offsets
// near the log's) so the handlers get past "unknown topic" into their real paths; or a captured client request
// mutated at random, when it still decodes. Valid record batches, with random producer ids, sequences and flags,
// replace the sample's random bytes most of the time.
import { supportedApis } from '../../../src/broker/dispatch.js';
import { API_SCHEMAS } from '../../../src/protocol/generated/index.js';
import { decodeRequest } from '../../../src/protocol/messages.js';
import { ZERO_UUID } from '../../../src/protocol/primitives.js';
import { Compression, encodeBatch, encodeControlBatch } from '../../../src/protocol/records/index.js';
import { trafficRequests } from '../../protocol/helpers/frames.js';
import { mutate } from '../../protocol/helpers/mutate.js';
import { buildSample, schemas } from '../../protocol/helpers/samples.js';

export interface FuzzRequest {
  apiKey: number;
  version: number;
  body: any;
  /** How it was made, to reproduce a failure. */
  origin: string;
}

/** What the steering draws from: names the broker knows (filled in by the test as it creates them). */
export interface FuzzWorld {
  topics: string[];
  topicIds: string[];
  groups: string[];
  transactionalIds: string[];
  producerIds: number[];
  /** Learned from responses (RequestFuzzer.learn), so later requests can continue what earlier ones began. */
  memberIds: string[];
  epochs: number[];
}

/** Response fields worth feeding back, and the pool each goes to. */
const LEARN: Record<string, 'memberIds' | 'producerIds' | 'epochs' | 'topicIds'> = {
  memberId: 'memberIds', leader: 'memberIds', producerId: 'producerIds', topicId: 'topicIds',
  producerEpoch: 'epochs', generationId: 'epochs', memberEpoch: 'epochs', leaderEpoch: 'epochs',
};
const POOL_SIZE = 16;
/** Topic and broker configs whose values change what the handlers do. */
const CONFIG_NAMES = ['cleanup.policy', 'retention.ms', 'retention.bytes', 'segment.bytes', 'max.message.bytes', 'min.insync.replicas',
  'message.timestamp.type', 'message.timestamp.difference.max.ms', 'compression.type', 'message.format.version', 'log.retention.ms',
  'unclean.leader.election.enable', 'num.partitions', 'delete.retention.ms'];

const SASL = new Set([17, 36]); // SaslHandshake/SaslAuthenticate switch a connection's state: sent on their own connections.
const APIS = supportedApis();

export class RequestFuzzer {
  private readonly traffic = trafficRequests().filter((f) => APIS.some((a) => a.apiKey === f.apiKey && f.version >= a.minVersion && f.version <= a.maxVersion));

  constructor(private readonly rnd: () => number, private readonly world: FuzzWorld) {}

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }

  async next(): Promise<FuzzRequest> {
    if (this.traffic.length > 0 && this.rnd() < 0.25) {
      const t = this.pick(this.traffic);
      for (let i = 0; i < 5; i++) {
        const d = decodeRequest(mutate(t.frame, this.rnd));
        if (d.ok && APIS.some((a) => a.apiKey === d.header.requestApiKey && d.header.requestApiVersion >= a.minVersion && d.header.requestApiVersion <= a.maxVersion)) {
          return { apiKey: d.header.requestApiKey, version: d.header.requestApiVersion, body: await this.steer(d.body, ''), origin: `mutated ${t.name}` };
        }
      }
    }
    // Produce and Fetch, the paths every client lives on, get a fifth of the requests between them.
    const r = this.rnd();
    const api = r < 0.1 ? APIS.find((a) => a.apiKey === 0)! : r < 0.2 ? APIS.find((a) => a.apiKey === 1)! : this.pick(APIS);
    const version = this.int(api.minVersion, api.maxVersion);
    const name = API_SCHEMAS.get(api.apiKey)!.name;
    const seed = this.int(0, 2 ** 30);
    const body = buildSample(schemas().get(name + 'Request')!, version, 'random', seed);
    return { apiKey: api.apiKey, version, body: await this.steer(body, ''), origin: `${name} v${version} sample seed ${seed}` };
  }

  /** Adds the member ids, producer ids and epochs a response carries to the world's pools (each kept small). */
  learn(v: any, key = ''): void {
    if (Array.isArray(v)) for (const e of v) this.learn(e, key);
    else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      // The id of a topic the fuzzer does not steer to (the bystander's, in a listing of all topics) is not learned.
      const name = v.name ?? v.topic ?? v.topicName;
      const foreign = typeof name === 'string' && !this.world.topics.includes(name);
      for (const k of Object.keys(v)) if (!(foreign && k === 'topicId')) this.learn(v[k], k);
    }
    else if (Object.hasOwn(LEARN, key) && (typeof v === 'number' ? v >= 0 : typeof v === 'string' && v !== '' && v !== ZERO_UUID)) {
      const pool = this.world[LEARN[key]] as (string | number)[];
      if (!pool.includes(v)) {
        pool.push(v);
        if (pool.length > POOL_SIZE) pool.splice(0, 1);
      }
    }
  }

  static isSasl(apiKey: number): boolean {
    return SASL.has(apiKey);
  }

  /** Rewrites, in place, most fields whose name says what they hold. */
  private async steer(v: any, key: string): Promise<any> {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = await this.steer(v[i], key);
      return v;
    }
    if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
      // A config entry's "name" is a config name, not a topic (CreateTopics, AlterConfigs, IncrementalAlterConfigs).
      const inConfigs = key === 'configs';
      for (const k of Object.keys(v)) if (k !== '_unknownTaggedFields') v[k] = await this.steer(v[k], inConfigs && k === 'name' ? 'configName' : k);
      return v;
    }
    // Keep some wholly random values, but never a wait the round's timeout would take for a hang.
    if (this.rnd() < 0.15 && key !== 'maxWaitMs') return v;
    return this.steered(v, key);
  }

  private async steered(v: any, key: string): Promise<any> {
    const w = this.world;
    const k = key.toLowerCase();
    // Arrays of names ("groups", "topicNames", "transactionalIds") are steered like one name.
    const one = k.replace(/s$/, '');
    if (typeof v === 'string' || v === null) {
      if (one === 'configname' || one === 'configurationkey') return this.pick([...CONFIG_NAMES, v]);
      if (one === 'topicid') return w.topicIds.length ? this.pick(w.topicIds) : v;
      if (one === 'name' || one === 'topic' || one === 'topicname' || one === 'resourcename' || one === 'resourcenamefilter' || one === 'entityname') {
        return this.pick([...w.topics, ...w.topics, ...w.groups, `fz-new-${this.int(0, 5)}`, v]);
      }
      if (one.includes('groupid') || one === 'group' || one === 'key' || one === 'coordinatorkey') return this.pick([...w.groups, ...w.transactionalIds, v]);
      if (one === 'transactionalid') return this.pick([...w.transactionalIds, v]);
      if (one === 'protocoltype') return this.pick(['consumer', '', v]);
      if (one === 'memberid') return this.pick(['', ...w.memberIds, v]);
      // Only the filters' fields are nullable: a null there comes from the sample itself (v).
      if (one === 'principal' || one === 'principalfilter') return this.pick(['User:*', 'User:ANONYMOUS', 'User:fuzz', v]);
      if (one === 'host' || one === 'hostfilter') return this.pick(['*', '127.0.0.1', v]);
      if (one === 'value' || one === 'configvalue') return this.pick(['1', '0', '-1', 'delete', 'compact', 'true', '1000', v]);
      return v;
    }
    if (typeof v === 'number') {
      if (k === 'index' || (k.includes('partition') && !k.includes('count') && !k.includes('maxbytes'))) return this.pick([0, 0, 0, 1, 2, 3, -1, v]);
      if (k === 'count' || k === 'numpartitions') return this.pick([1, 2, 4, -1, 0, v]);
      if (k === 'replicationfactor') return this.pick([1, 2, 3, -1, 0, v]);
      if (k === 'maxwaitms') return this.pick([0, 10, 100]);
      if (k.endsWith('timeoutms')) return this.pick([0, 10, 100, 6000, 10000, 45000, v]);
      if (k === 'acks') return this.pick([-1, -1, 1, 1, 0, v]);
      if (k.endsWith('maxbytes')) return this.pick([0, 1, 100, 10000, 1048576, v]);
      if (k.includes('offset') || k === 'timestamp') return this.pick([0, 1, 3, -1, -2, -3, 100, v]);
      if (k === 'producerid') return this.pick([...w.producerIds, -1, 0, v]);
      if (k.includes('epoch') || k.includes('generation')) return this.pick([-1, 0, 1, ...w.epochs, v]);
      if (k === 'isolationlevel') return this.pick([0, 1, v]);
      if (k === 'resourcetype' || k === 'resourcetypefilter') return this.pick([2, 3, 4, 1, v]);
      // ACL bindings: operations READ..IDEMPOTENT_WRITE and ANY/ALL, DENY/ALLOW, LITERAL/PREFIXED/MATCH/ANY.
      if (k === 'operation') return this.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, v]);
      if (k === 'permissiontype') return this.pick([1, 2, 3, v]);
      if (k.includes('patterntype')) return this.pick([1, 3, 4, 2, v]);
      return v;
    }
    if (Buffer.isBuffer(v) && k === 'records') return this.records(v);
    return v;
  }

  /** Mostly a valid batch (idempotent, transactional or control, compressed or not); else the sample's bytes. */
  private async records(v: Buffer): Promise<Buffer | null> {
    const r = this.rnd();
    if (r < 0.1) return null;
    if (r < 0.25) return v;
    const n = this.int(1, 5);
    const records = Array.from({ length: n }, (_, i) => ({ key: this.rnd() < 0.5 ? null : Buffer.from(`k${i % 3}`), value: this.rnd() < 0.1 ? null : Buffer.alloc(this.int(0, 300), i) }));
    const producerId = this.pick([-1, -1, -1, -1, ...this.world.producerIds, this.int(0, 1000)]);
    const opts = {
      compression: this.pick([Compression.None, Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]),
      producerId,
      producerEpoch: producerId < 0 ? -1 : this.pick([0, 1, -1]),
      baseSequence: producerId < 0 ? -1 : this.pick([0, 0, 1, 5, -1]),
      isTransactional: producerId >= 0 && this.rnd() < 0.3,
      timestampType: this.pick([0, 1] as const),
    };
    if (this.rnd() < 0.05) return encodeControlBatch(this.pick(['commit', 'abort'] as const), { producerId: opts.producerId, producerEpoch: opts.producerEpoch });
    return encodeBatch(records, opts);
  }
}
