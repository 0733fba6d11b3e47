# Kafka's TransactionalMessageCopier (the client of its transactions_test.py system test, a Java program) in
# Python over confluent-kafka (librdkafka 2.0.2): copies one input partition to an output topic exactly once,
# in transactions of --transaction-size records that also commit the consumer group's offsets
# (send_offsets_to_transaction), resuming from the group's committed offset. Prints kafkatest-style JSON lines:
#   {"name": "progress", "consumed": n, "remaining": n}   after each committed transaction
#   {"name": "shutdown_complete", "remaining": n}          at the end (remaining 0: the partition was copied)
# On an error that needs it the transaction is aborted and the consumer rewound to the committed offsets, as the Java
# copier does; a fenced producer (another copier took over the transactional id) ends the process.
import argparse
import json
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

ap = argparse.ArgumentParser()
ap.add_argument('--broker-list', required=True)
ap.add_argument('--input-topic', required=True)
ap.add_argument('--input-partition', type=int, required=True)
ap.add_argument('--output-topic', required=True)
ap.add_argument('--transactional-id', required=True)
ap.add_argument('--group-id', required=True)
ap.add_argument('--transaction-size', type=int, default=200)
ap.add_argument('--transaction-timeout', type=int, default=40000)
ap.add_argument('--pause-ms', type=int, default=0, help='between transactions, so failures land in the copying')
args = ap.parse_args()

running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def send(d):
    sys.stdout.write(json.dumps(d) + '\n')
    sys.stdout.flush()


def log(s):
    sys.stderr.write('%s %s\n' % (time.strftime('%H:%M:%S'), s))


tp = TopicPartition(args.input_topic, args.input_partition)
consumer = Consumer({'bootstrap.servers': args.broker_list, 'group.id': args.group_id, 'enable.auto.commit': False,
                     'isolation.level': 'read_committed', 'auto.offset.reset': 'earliest'})
producer = Producer({'bootstrap.servers': args.broker_list, 'transactional.id': args.transactional_id,
                     'transaction.timeout.ms': args.transaction_timeout, 'linger.ms': 5})


def retrying(call):
    """A lookup retried while brokers come and go (NOT_LEADER_OR_FOLLOWER, coordinator moves), as the Java
    consumer's committed() and endOffsets() retry inside."""
    deadline = time.time() + 60
    while True:
        try:
            return call()
        except KafkaException as e:
            if time.time() > deadline:
                raise
            log('retrying: %s' % e.args[0])
            time.sleep(0.2)


def rewind():
    """Back to the group's committed offset (the start when nothing was committed)."""
    committed = retrying(lambda: consumer.committed([tp], timeout=30)[0].offset)
    consumer.assign([TopicPartition(tp.topic, tp.partition, committed if committed >= 0 else 0)])
    return committed if committed >= 0 else 0


def remaining(position):
    return retrying(lambda: consumer.get_watermark_offsets(tp, timeout=30, cached=False)[1]) - position


retrying(lambda: producer.init_transactions(60))
position = rewind()
consumed = 0
left = remaining(position)
while running and left > 0:
    msgs = [m for m in consumer.consume(num_messages=min(args.transaction_size, left), timeout=1) if not m.error()]
    if not msgs:
        left = remaining(position)
        continue
    try:
        producer.begin_transaction()
        for m in msgs:
            producer.produce(args.output_topic, key=m.key(), value=m.value())
        next_offset = msgs[-1].offset() + 1
        producer.send_offsets_to_transaction([TopicPartition(tp.topic, tp.partition, next_offset)],
                                             consumer.consumer_group_metadata(), 60)
        producer.commit_transaction(60)
    except KafkaException as e:
        err = e.args[0]
        if err.fatal():  # fenced by a newer copier with our transactional id, or a fatal producer error
            log('fatal: %s' % err)
            send({'name': 'shutdown_complete', 'remaining': left, 'error': str(err)})
            sys.exit(1)
        log('aborting: %s' % err)
        retrying(lambda: producer.abort_transaction(60))
        position = rewind()
        continue
    position = next_offset
    consumed += len(msgs)
    left = remaining(position)
    send({'name': 'progress', 'consumed': consumed, 'remaining': left})
    if args.pause_ms:
        time.sleep(args.pause_ms / 1000.0)

send({'name': 'shutdown_complete', 'remaining': left})
producer.flush(10)
consumer.close()
