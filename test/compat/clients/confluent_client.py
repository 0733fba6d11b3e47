"""librdkafka (python3-confluent-kafka) driven by test/compat/confluent-kafka.test.ts.

Usage: confluent_client.py <mode> with settings in the environment (BOOTSTRAP, TOPIC, GROUP, ...).
Prints one JSON object as its last stdout line; exits non-zero on any unexpected client error.
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

BOOTSTRAP = os.environ['BOOTSTRAP']


def produce(topic, codec, count, partitions, prefix):
    """Produces `count` keyed records with headers round-robin over `partitions`; returns delivery reports."""
    reports = []
    p = Producer({'bootstrap.servers': BOOTSTRAP, 'compression.type': codec, 'linger.ms': 5, 'acks': 'all',
                  'enable.idempotence': False})

    def on_delivery(err, msg):
        reports.append({'error': err.name() if err else None, 'partition': msg.partition(), 'offset': msg.offset()})

    for i in range(count):
        p.produce(topic, key=f'{prefix}k{i}', value=f'{prefix}-{codec}-{i}-' + 'x' * (i % 7) * 20,
                  partition=i % partitions, headers=[('codec', codec.encode()), ('i', str(i).encode())],
                  on_delivery=on_delivery)
    if p.flush(15) != 0:
        raise SystemExit('produce: flush timed out')
    return reports


def record(m):
    return {'partition': m.partition(), 'offset': m.offset(), 'key': m.key().decode() if m.key() is not None else None,
            'value': m.value().decode(), 'headers': [[k, v.decode()] for k, v in (m.headers() or [])]}


def mode_produce_codecs():
    """For each codec: produce to its own topic, then read everything back with assign() (no group)."""
    out = {}
    for codec in os.environ['CODECS'].split(','):
        topic = f"{os.environ['TOPIC']}-{codec}"
        reports = produce(topic, codec, 40, 2, 'p')
        c = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': 'unused', 'enable.auto.commit': False,
                      'enable.partition.eof': True})
        c.assign([TopicPartition(topic, p, 0) for p in range(2)])
        got, eof = [], set()
        end = time.time() + 15
        while time.time() < end and len(eof) < 2:
            m = c.poll(0.1)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    eof.add(m.partition())
                    continue
                raise KafkaException(m.error())
            got.append(record(m))
        c.close()
        out[codec] = {'reports': reports, 'got': got}
    return out


def mode_legacy():
    """api.version.request=false + broker.version.fallback=FALLBACK: librdkafka speaks the pre-0.10 protocol
    (no ApiVersions; magic 0 before 0.10.0, magic 1 from it). Each codec of CODECS to TOPIC-<codec>, read back."""
    conf = {'bootstrap.servers': BOOTSTRAP, 'api.version.request': False,
            'broker.version.fallback': os.environ['FALLBACK'], 'client.id': os.environ['CLIENT_ID']}
    out = {}
    for codec in os.environ['CODECS'].split(','):
        topic = f"{os.environ['TOPIC']}-{codec}"
        p = Producer({**conf, 'compression.codec': codec, 'linger.ms': 5})
        errors = []
        for i in range(10):
            p.produce(topic, key=f'k{i}', value=f'{codec}-v{i}-' + 'w' * (i % 3) * 40, partition=0,
                      on_delivery=lambda err, msg: errors.append(err.name()) if err else None)
        if p.flush(15) != 0:
            raise SystemExit('legacy: flush timed out')
        c = Consumer({**conf, 'group.id': 'unused', 'enable.partition.eof': True})
        c.assign([TopicPartition(topic, 0, 0)])
        got = []
        end = time.time() + 15
        while time.time() < end:
            m = c.poll(0.1)
            if m is None:
                continue
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    break
                raise KafkaException(m.error())
            got.append(dict(record(m), timestamp=m.timestamp()[1]))
        c.close()
        out[codec] = {'errors': errors, 'got': got}
    return out


def mode_group():
    """Two members with STRATEGY: wait for the split, produce, consume all, commit, then c2 leaves."""
    topic, group, strategy = os.environ['TOPIC'], os.environ['GROUP'], os.environ['STRATEGY']
    events = {'c1': [], 'c2': []}

    def mk(name):
        c = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': group, 'client.id': name,
                      'partition.assignment.strategy': strategy, 'auto.offset.reset': 'earliest',
                      'enable.auto.commit': False, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 200})

        def on_assign(c, parts):
            events[name].append(['assign', sorted(p.partition for p in parts)])

        def on_revoke(c, parts):
            events[name].append(['revoke', sorted(p.partition for p in parts)])

        c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
        return c

    members = {'c1': mk('c1')}
    seen = {'c1': [], 'c2': []}

    def poll_all(until, timeout):
        end = time.time() + timeout
        while time.time() < end and not until():
            for name, c in members.items():
                m = c.poll(0.05)
                if m is not None and m.error() is None:
                    seen[name].append(record(m))
                elif m is not None:
                    raise KafkaException(m.error())
        if not until():
            raise SystemExit(f'timed out: events={events} seen={len(seen["c1"])}+{len(seen["c2"])}')

    assigned = lambda name: sorted(p.partition for p in members[name].assignment())
    poll_all(lambda: len(assigned('c1')) == 4, 15)
    members['c2'] = mk('c2')
    poll_all(lambda: len(assigned('c1')) == 2 and len(assigned('c2')) == 2, 20)
    split = [assigned('c1'), assigned('c2')]
    # The topic was empty until now, so nothing was consumed (or committed) during the rebalance.
    produce(topic, 'lz4', 40, 4, 'g')
    poll_all(lambda: len(seen['c1']) + len(seen['c2']) >= 40, 15)
    # Synchronous commits of each member's consumed positions, with the group stable.
    for c in members.values():
        c.commit(asynchronous=False)
    committed = [tp.offset for tp in members['c1'].committed([TopicPartition(topic, p) for p in range(4)], timeout=10)]
    members.pop('c2').close()  # LeaveGroup: c1 takes over everything
    poll_all(lambda: len(assigned('c1')) == 4, 15)
    after_leave = assigned('c1')
    members['c1'].close()
    return {'split': split, 'after_leave': after_leave, 'events': events, 'seen': seen, 'committed': committed}


def mode_resume():
    """A new member of GROUP: where does it start? Reads EXPECT records, commits, reports them."""
    topic, group, strategy = os.environ['TOPIC'], os.environ['GROUP'], os.environ['STRATEGY']
    c = Consumer({'bootstrap.servers': BOOTSTRAP, 'group.id': group, 'partition.assignment.strategy': strategy,
                  'auto.offset.reset': 'earliest', 'enable.auto.commit': False, 'session.timeout.ms': 6000,
                  'heartbeat.interval.ms': 200})
    c.subscribe([topic])
    got = []
    expect = int(os.environ['EXPECT'])
    end = time.time() + 15
    while time.time() < end and len(got) < expect:
        m = c.poll(0.05)
        if m is not None and m.error() is None:
            got.append(record(m))
    # Nothing more than EXPECT arrives (the committed offsets really were the starting points).
    end = time.time() + 0.5
    while time.time() < end:
        m = c.poll(0.05)
        if m is not None and m.error() is None:
            got.append(record(m))
    c.commit(asynchronous=False)
    committed = [tp.offset for tp in c.committed([TopicPartition(topic, p) for p in range(4)], timeout=10)]
    c.close()
    return {'got': got, 'committed': committed}


if __name__ == '__main__':
    result = {'produce-codecs': mode_produce_codecs, 'legacy': mode_legacy, 'group': mode_group,
              'resume': mode_resume}[sys.argv[1]]()
    print(json.dumps(result))
