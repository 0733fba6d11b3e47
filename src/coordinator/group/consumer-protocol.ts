// The embedded "consumer" protocol of classic groups (ConsumerProtocolSubscription / Assignment). The broker
// reads only the subscribed topics, to answer OffsetDelete with GROUP_SUBSCRIBED_TO_TOPIC as Kafka does.

/** Topics of a ConsumerProtocolSubscription (any version; all start with version, topics), or null if unreadable. */
export function decodeSubscriptionTopics(buf: Buffer): string[] | null {
  try {
    if (buf.length < 6) return null;
    let pos = 2; // int16 version
    const n = buf.readInt32BE(pos);
    pos += 4;
    if (n < 0 || n > 100000) return null;
    const topics: string[] = [];
    for (let i = 0; i < n; i++) {
      const len = buf.readInt16BE(pos);
      pos += 2;
      if (len < 0 || pos + len > buf.length) return null;
      topics.push(buf.toString('utf8', pos, pos + len));
      pos += len;
    }
    return topics;
  } catch {
    return null;
  }
}
