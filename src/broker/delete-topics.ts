// DeleteTopics (key 20): by name (v0-5 topic_names, v6+ topics[].name) or by id (v6+), with Kafka's
// controller checks for duplicates and ambiguous entries (ControllerApis.deleteTopics).
import type { Topic } from '../cluster/cluster.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DeleteTopicsRequest, DeleteTopicsResponse, DeleteTopicsResponseDeletableTopicResult } from '../protocol/generated/delete-topics.js';
import type { Input } from '../protocol/primitives.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { topicOrClusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { mutationQuota, mutationThrottle } from './quota-throttle.js';
import { toError } from './util.js';

type Out = Input<DeleteTopicsResponseDeletableTopicResult>;

const err = (name: string | null, topicId: string, errorCode: number, errorMessage: string | null): Out => ({ name, topicId, errorCode, errorMessage });

export default defineHandler<DeleteTopicsRequest>({
  apiKey: 20,
  async handle(ctx, req): Promise<Input<DeleteTopicsResponse>> {
    const { cluster } = ctx;
    const v = ctx.apiVersion;
    const responses: Out[] = [];
    const entries = v >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));

    if (!cluster.config.bool('delete.topic.enable')) {
      // Kafka fails the whole request; v0-2 clients only know INVALID_REQUEST for it.
      const code = v < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      return { throttleTimeMs: 0, responses: entries.map((e) => err(e.name, e.topicId, code, 'Topic deletion is disabled.')) };
    }

    const names: string[] = [];
    const ids: string[] = [];
    for (const e of entries) {
      if (e.name === null) {
        if (e.topicId === ZERO_UUID) responses.push(err(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'));
        else ids.push(e.topicId);
      } else if (e.topicId !== ZERO_UUID) {
        responses.push(err(e.name, e.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.'));
      } else {
        names.push(e.name);
      }
    }
    const count = <T>(xs: T[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<T, number>());
    const nameCount = count(names);
    const idCount = count(ids);
    for (const [n, c] of nameCount) if (c > 1) responses.push(err(n, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'));
    for (const [id, c] of idCount) if (c > 1) responses.push(err(null, id, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.'));

    // Resolve to topics, ids first, then names (a name aliasing a given id is refused, as Kafka does).
    const toDelete = new Map<string, Topic>();
    // Without DESCRIBE a topic's existence (or its name, for an id) is not revealed.
    const describable = (n: string) => topicOrClusterAllowed(ctx, 'DESCRIBE', n);
    const deletable = (n: string) => topicOrClusterAllowed(ctx, 'DELETE', n);
    for (const [id, c] of idCount) {
      if (c > 1) continue;
      const t = cluster.topicsById.get(id);
      if (!t) responses.push(err(null, id, ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.'));
      else if (!deletable(t.name)) responses.push(err(describable(t.name) ? t.name : null, id, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.'));
      else toDelete.set(t.id, t);
    }
    for (const [n, c] of nameCount) {
      if (c > 1) continue;
      const t = cluster.topics.get(n);
      if (!describable(n) || (t && !deletable(n))) responses.push(err(n, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Topic authorization failed.'));
      else if (!t) responses.push(err(n, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'));
      else if (toDelete.has(t.id)) {
        toDelete.delete(t.id);
        responses.push(err(n, t.id, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.'));
      } else toDelete.set(t.id, t);
    }

    const quota = mutationQuota(ctx, 5);
    for (const t of toDelete.values()) {
      try {
        quota.record(t.partitions.length);
        await cluster.deleteTopic(t);
        responses.push(err(t.name, t.id, ErrorCode.NONE, null));
      } catch (e) {
        const { errorCode, errorMessage } = toError(e, ctx);
        responses.push(err(t.name, t.id, errorCode, errorMessage));
      }
    }
    return { throttleTimeMs: await mutationThrottle(ctx, quota, 2), responses };
  },
});
