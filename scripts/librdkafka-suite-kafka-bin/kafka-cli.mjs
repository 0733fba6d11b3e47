// Stand-ins for the two Kafka command-line tools librdkafka's tests shell out to ($KAFKA_PATH/bin/kafka-topics.sh
// --create / --delete / --alter --partitions and kafka-acls.sh --add / --remove --force), done through kafkajs's admin client against the cluster under test. Only the
// options those tests use are understood; anything else fails loudly.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(new URL('../../package.json', import.meta.url));
const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = require('kafkajs');
const [tool, ...argv] = process.argv.slice(2);
const fail = (msg) => {
  process.stderr.write(`${tool}: ${msg}\n`);
  process.exit(1);
};
const options = {
  'bootstrap-server': { type: 'string' },
  create: { type: 'boolean' },
  delete: { type: 'boolean' },
  alter: { type: 'boolean' },
  add: { type: 'boolean' },
  remove: { type: 'boolean' },
  force: { type: 'boolean' },
  topic: { type: 'string' },
  partitions: { type: 'string' },
  'replication-factor': { type: 'string' },
  config: { type: 'string', multiple: true },
  'allow-principal': { type: 'string' },
  'deny-principal': { type: 'string' },
  'allow-host': { type: 'string' },
  'deny-host': { type: 'string' },
  operation: { type: 'string' },
};
let values;
try {
  ({ values } = parseArgs({ args: argv, options, strict: true }));
} catch (e) {
  fail(e.message);
}
const brokers = values['bootstrap-server'];
if (!brokers) fail('--bootstrap-server is required');
// --ssl runs of the suite: the cluster's development CA and client certificate (mTLS).
const tls = process.env.KAFKALITE_TLS_DIR;
const ssl = tls && { ca: [readFileSync(join(tls, 'ca.pem'))], cert: readFileSync(join(tls, 'client.pem')), key: readFileSync(join(tls, 'client.key')) };
const admin = new Kafka({ clientId: tool, brokers: brokers.split(','), ssl, logLevel: logLevel.NOTHING }).admin();
await admin.connect();
try {
  if (tool === 'kafka-topics' && values.create && values.topic) {
    const configEntries = (values.config ?? []).map((kv) => ({ name: kv.slice(0, kv.indexOf('=')), value: kv.slice(kv.indexOf('=') + 1) }));
    const ok = await admin.createTopics({
      topics: [{ topic: values.topic, numPartitions: Number(values.partitions ?? -1), replicationFactor: Number(values['replication-factor'] ?? -1), configEntries }],
    });
    if (!ok) fail(`topic ${values.topic} already exists`);
  } else if (tool === 'kafka-topics' && values.delete && values.topic) {
    await admin.deleteTopics({ topics: [values.topic] });
  } else if (tool === 'kafka-topics' && values.alter && values.topic && values.partitions) {
    await admin.createPartitions({ topicPartitions: [{ topic: values.topic, count: Number(values.partitions) }] });
  } else if (tool === 'kafka-acls' && (values.add || values.remove) && values.topic) {
    const allow = values['allow-principal'] !== undefined;
    const operation = AclOperationTypes[(values.operation ?? '').toUpperCase()];
    if (operation === undefined) fail(`unknown operation ${values.operation}`);
    const acl = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: values.topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: allow ? values['allow-principal'] : values['deny-principal'],
      host: (allow ? values['allow-host'] : values['deny-host']) ?? '*',
      operation,
      permissionType: allow ? AclPermissionTypes.ALLOW : AclPermissionTypes.DENY,
    };
    if (values.add) await admin.createAcls({ acl: [acl] });
    else await admin.deleteAcls({ filters: [acl] });
  } else {
    fail(`unsupported command: ${argv.join(' ')}`);
  }
} finally {
  await admin.disconnect();
}
