"""kafka-python 2.0.2 (python3-kafka) driven by test/compat/kafka-python.test.ts.

Usage: kafka_python_client.py <mode>, settings in the environment (BOOTSTRAP, TOPIC, API_VERSION, ...).
API_VERSION 'auto' lets kafka-python probe the broker (ApiVersions v0); '0.10.0' or '0.9' pins the old protocol
(no ApiVersions at all; magic 1 / magic 0 message sets, Produce v2 / v0-1, Fetch v2 / v1).
Prints one JSON object as its last stdout line.
"""
import json
import os
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewPartitions, NewTopic
from kafka.errors import KafkaError

BOOTSTRAP = os.environ['BOOTSTRAP']


def api_version():
    v = os.environ.get('API_VERSION', 'auto')
    return None if v == 'auto' else tuple(int(x) for x in v.split('.'))


def common():
    return {'bootstrap_servers': BOOTSTRAP, 'api_version': api_version(), 'api_version_auto_timeout_ms': 5000,
            'request_timeout_ms': 15000}


def mode_produce():
    """For each codec of CODECS: COUNT keyed records round-robin over PARTITIONS of TOPIC-<codec> (headers when
    HEADERS=1, which needs magic 2); returns each record's partition, offset and timestamp as acknowledged."""
    topic, count, parts = os.environ['TOPIC'], int(os.environ['COUNT']), int(os.environ['PARTITIONS'])
    out = {}
    for codec in os.environ['CODECS'].split(','):
        p = KafkaProducer(compression_type=None if codec == 'none' else codec, linger_ms=5, acks='all',
                          client_id=os.environ.get('CLIENT_ID', 'kafka-python'), **common())
        futures = []
        for i in range(count):
            headers = [('i', str(i).encode()), ('codec', codec.encode())] if os.environ.get('HEADERS') == '1' else None
            futures.append(p.send(f'{topic}-{codec}', key=f'k{i}'.encode(), partition=i % parts, headers=headers,
                                  value=f'{codec}-v{i}-'.encode() + b'y' * (i % 5) * 30))
        p.flush(15)
        sent = []
        for f in futures:
            md = f.get(timeout=15)
            sent.append({'partition': md.partition, 'offset': md.offset, 'timestamp': md.timestamp})
        p.close()
        out[codec] = sent
    return {'sent': out, 'api_version': list(p.config['api_version'])}


def record(m):
    return {'partition': m.partition, 'offset': m.offset, 'key': m.key.decode() if m.key is not None else None,
            'value': m.value.decode() if m.value is not None else None, 'timestamp': m.timestamp,
            'timestamp_type': m.timestamp_type, 'headers': [[k, v.decode()] for k, v in (m.headers or [])]}


def mode_fetch():
    """Reads EXPECT records from the beginning of each topic in TOPICS (PARTITIONS each), without a group."""
    parts, expect = int(os.environ['PARTITIONS']), int(os.environ['EXPECT'])
    out = {}
    for topic in os.environ['TOPICS'].split(','):
        c = KafkaConsumer(group_id=None, enable_auto_commit=False, fetch_max_wait_ms=100,
                          client_id=os.environ.get('CLIENT_ID', 'kafka-python'), **common())
        tps = [TopicPartition(topic, p) for p in range(parts)]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        got = []
        end = time.time() + 15
        while time.time() < end and len(got) < expect:
            for recs in c.poll(timeout_ms=200).values():
                got.extend(record(m) for m in recs)
        c.close()
        out[topic] = got
    return out


def mode_group():
    """Joins GROUP on TOPIC, reads EXPECT records, commits synchronously and reads the commits back."""
    topic, group, expect = os.environ['TOPIC'], os.environ['GROUP'], int(os.environ['EXPECT'])
    c = KafkaConsumer(topic, group_id=group, auto_offset_reset='earliest', enable_auto_commit=False,
                      fetch_max_wait_ms=100, session_timeout_ms=10000, heartbeat_interval_ms=300,
                      client_id=os.environ.get('CLIENT_ID', 'kafka-python'), **common())
    got = []
    end = time.time() + 20
    while time.time() < end and len(got) < expect:
        for recs in c.poll(timeout_ms=200).values():
            got.extend(record(m) for m in recs)
    # Anything past EXPECT would show up here (e.g. a restarted member not starting at its commits).
    for recs in c.poll(timeout_ms=300).values():
        got.extend(record(m) for m in recs)
    c.commit()
    parts = sorted(tp.partition for tp in c.assignment())
    committed = [c.committed(TopicPartition(topic, p)) for p in parts]
    c.close()
    return {'got': got, 'parts': parts, 'committed': committed}


def mode_admin():
    """KafkaAdminClient: create (with configs), list, add partitions, delete; errors come back by name."""
    topic = os.environ['TOPIC']
    a = KafkaAdminClient(client_id=os.environ.get('CLIENT_ID', 'kafka-python'), **common())
    out = {}
    r = a.create_topics([NewTopic(topic, 3, 1, topic_configs={'retention.ms': '3600000'}),
                         NewTopic(topic + '-b', 1, 1)], timeout_ms=10000)
    out['create'] = [[name, code] for name, code, *_ in r.topic_errors]
    try:
        a.create_topics([NewTopic(topic, 1, 1)], timeout_ms=10000)
        out['create_again'] = None
    except KafkaError as e:
        out['create_again'] = type(e).__name__
    out['listed'] = sorted(t for t in a.list_topics() if t.startswith(topic))
    r = a.create_partitions({topic: NewPartitions(5)}, timeout_ms=10000)
    out['add_partitions'] = [[name, code] for name, code, *_ in r.topic_errors]
    c = KafkaConsumer(**common())
    out['partitions'] = sorted(c.partitions_for_topic(topic) or [])
    c.close()
    r = a.delete_topics([topic, topic + '-b'], timeout_ms=10000)
    out['delete'] = [[name, code] for name, code in r.topic_error_codes]
    out['listed_after'] = sorted(t for t in a.list_topics() if t.startswith(topic))
    a.close()
    return out


def mode_admin_groups():
    """KafkaAdminClient on a group GROUP (already committed on TOPIC): list, describe, offsets, delete; and configs."""
    from kafka.admin import ConfigResource, ConfigResourceType
    topic, group = os.environ['TOPIC'], os.environ['GROUP']
    a = KafkaAdminClient(client_id=os.environ.get('CLIENT_ID', 'kafka-python'), **common())
    out = {'listed': [g for g in a.list_consumer_groups() if g[0] == group]}
    d = a.describe_consumer_groups([group])[0]
    out['described'] = {'state': d.state, 'protocol_type': d.protocol_type, 'members': len(d.members)}
    out['offsets'] = sorted([tp.partition, om.offset] for tp, om in a.list_consumer_group_offsets(group).items())
    cfg = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])[0].resources[0]
    out['config_error'] = cfg[0]
    out['configs'] = {name: value for name, value, *_ in cfg[4] if name in ('cleanup.policy', 'retention.ms')}
    out['deleted'] = [[g, e.__name__] for g, e in a.delete_consumer_groups([group])]
    out['listed_after'] = [g for g in a.list_consumer_groups() if g[0] == group]
    a.close()
    return out


if __name__ == '__main__':
    result = {'produce': mode_produce, 'fetch': mode_fetch, 'group': mode_group, 'admin': mode_admin,
              'admin-groups': mode_admin_groups}[sys.argv[1]]()
    print(json.dumps(result))
