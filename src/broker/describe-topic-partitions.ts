// DescribeTopicPartitions (key 75, KIP-966): Metadata's topic part, paged. Kafka 3.8+ brokers serve it and the
// Java admin client's describeTopics (kafka-topics.sh --describe) uses it. Topics in name order from the cursor,
// at most min(ResponsePartitionLimit, max.request.partition.size.limit) partitions per response, a topic split
// across responses when the limit falls inside it (NextCursor says where to go on), as Kafka 4.0's handler.
import { validateTopicName } from '../cluster/cluster.js';
import { isInternalTopic } from '../cluster/partition.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponseCursor,
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic,
} from '../protocol/generated/describe-topic-partitions.js';
import { ZERO_UUID, type Input } from '../protocol/primitives.js';
import { defineHandler, type RequestContext } from './context.js';
import { describeTopic } from './metadata.js';

type TopicOut = Input<DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic>;

const failed = (name: string, errorCode: number): TopicOut => ({ errorCode, name, topicId: ZERO_UUID, isInternal: isInternalTopic(name), partitions: [] });

function describe(ctx: RequestContext, req: DescribeTopicPartitionsRequest): Input<DescribeTopicPartitionsResponse> {
  const { cluster } = ctx;
  const all = req.topics.length === 0;
  const from = req.cursor?.topicName ?? '';
  const names = [...new Set(all ? cluster.topics.keys() : req.topics.map((t) => t.name))].filter((n) => n >= from).sort();
  if (req.cursor && !all && !names.includes(req.cursor.topicName)) {
    throw new KafkaError('INVALID_REQUEST', `DescribeTopicPartitionsRequest topic list should contain the cursor topic: ${req.cursor.topicName}`);
  }
  const canDescribe = (n: string) => ctx.services.acl?.canDescribeTopic?.(ctx, n) ?? true;
  const denied = names.filter((n) => !canDescribe(n));
  let remaining = Math.min(req.responsePartitionLimit, cluster.config.int('max.request.partition.size.limit'));
  const topics: TopicOut[] = [];
  let nextCursor: Input<DescribeTopicPartitionsResponseCursor> | null = null;
  for (const name of names.filter(canDescribe)) {
    if (remaining <= 0) {
      if (remaining === 0) nextCursor = { topicName: name, partitionIndex: 0 };
      break;
    }
    const topic = cluster.topics.get(name);
    if (!topic) {
      try {
        validateTopicName(name);
        topics.push(failed(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      } catch (e) {
        topics.push(failed(name, (e as KafkaError).code));
      }
      continue;
    }
    const out = describeTopic(ctx, topic, true); // authorized operations: always, in v0
    const start = name === req.cursor?.topicName ? Math.max(0, req.cursor.partitionIndex) : 0;
    const end = Math.min(topic.partitions.length, start + remaining);
    // Unlike Metadata, a partition without a leader is listed without an error (leader -1).
    const partitions = out.partitions!.slice(start, end).map((p) => ({ ...p, errorCode: ErrorCode.NONE, eligibleLeaderReplicas: [], lastKnownElr: [] }));
    topics.push({ ...out, partitions });
    remaining -= Math.max(0, end - start);
    if (end < topic.partitions.length) {
      nextCursor = { topicName: name, partitionIndex: end };
      break;
    }
  }
  // Named topics the client may not describe come last; a listing of all topics leaves them out.
  if (!all) for (const name of denied) topics.push({ ...failed(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED), isInternal: false });
  return { throttleTimeMs: 0, topics, nextCursor };
}

export default defineHandler<DescribeTopicPartitionsRequest>({
  apiKey: 75,
  handle(ctx, req): Input<DescribeTopicPartitionsResponse> {
    try {
      return describe(ctx, req);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      // Kafka's error response: every requested topic with the error, no partitions, no cursor.
      return { throttleTimeMs: 0, topics: req.topics.map((t) => ({ ...failed(t.name, e.code), isInternal: false })), nextCursor: null };
    }
  },
});
