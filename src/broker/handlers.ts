// Every implemented API, one handler module per API key. ApiVersions advertises exactly this list.
import type { HandlerDef } from './context.js';
import consumerGroupHeartbeat from './consumer-group-heartbeat.js';
import consumerGroupDescribe from './consumer-group-describe.js';
import alterPartitionReassignments from './alter-partition-reassignments.js';
import electLeaders from './elect-leaders.js';
import listPartitionReassignments from './list-partition-reassignments.js';
import deleteGroups from './delete-groups.js';
import describeGroups from './describe-groups.js';
import findCoordinator from './find-coordinator.js';
import heartbeat from './heartbeat.js';
import joinGroup from './join-group.js';
import leaveGroup from './leave-group.js';
import listGroups from './list-groups.js';
import offsetCommit from './offset-commit.js';
import offsetDelete from './offset-delete.js';
import offsetFetch from './offset-fetch.js';
import syncGroup from './sync-group.js';
import apiVersions from './api-versions.js';
import fetch from './fetch.js';
import listOffsets from './list-offsets.js';
import metadata from './metadata.js';
import produce from './produce.js';
import createTopics from './create-topics.js';
import deleteTopics from './delete-topics.js';
import deleteRecords from './delete-records.js';
import offsetForLeaderEpoch from './offset-for-leader-epoch.js';
import describeConfigs from './describe-configs.js';
import alterConfigs from './alter-configs.js';
import describeLogDirs from './describe-log-dirs.js';
import createPartitions from './create-partitions.js';
import incrementalAlterConfigs from './incremental-alter-configs.js';
import describeCluster from './describe-cluster.js';
import describeClientQuotas from './describe-client-quotas.js';
import alterClientQuotas from './alter-client-quotas.js';
import saslHandshake from './sasl-handshake.js';
import saslAuthenticate from './sasl-authenticate.js';
import describeAcls from './describe-acls.js';
import createAcls from './create-acls.js';
import deleteAcls from './delete-acls.js';
import describeUserScramCredentials from './describe-user-scram-credentials.js';
import alterUserScramCredentials from './alter-user-scram-credentials.js';
import initProducerId from './init-producer-id.js';
import addPartitionsToTxn from './add-partitions-to-txn.js';
import addOffsetsToTxn from './add-offsets-to-txn.js';
import endTxn from './end-txn.js';
import writeTxnMarkers from './write-txn-markers.js';
import txnOffsetCommit from './txn-offset-commit.js';
import describeProducers from './describe-producers.js';
import describeTransactions from './describe-transactions.js';
import listTransactions from './list-transactions.js';
import shareGroupHeartbeat from './share-group-heartbeat.js';
import shareGroupDescribe from './share-group-describe.js';
import shareFetch from './share-fetch.js';
import shareAcknowledge from './share-acknowledge.js';
import describeShareGroupOffsets from './describe-share-group-offsets.js';
import alterShareGroupOffsets from './alter-share-group-offsets.js';
import deleteShareGroupOffsets from './delete-share-group-offsets.js';
import getTelemetrySubscriptions from './get-telemetry-subscriptions.js';
import pushTelemetry from './push-telemetry.js';
import listConfigResources from './list-config-resources.js';
import describeTopicPartitions from './describe-topic-partitions.js';
import updateFeatures from './update-features.js';
import describeQuorum from './describe-quorum.js';
import alterReplicaLogDirs from './alter-replica-log-dirs.js';
import unregisterBroker from './unregister-broker.js';
import createDelegationToken from './create-delegation-token.js';
import renewDelegationToken from './renew-delegation-token.js';
import expireDelegationToken from './expire-delegation-token.js';
import describeDelegationToken from './describe-delegation-token.js';

export const HANDLERS: HandlerDef[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  apiVersions,
  // group coordinator
  deleteGroups,
  describeGroups,
  findCoordinator,
  heartbeat,
  joinGroup,
  leaveGroup,
  listGroups,
  offsetCommit,
  offsetDelete,
  offsetFetch,
  syncGroup,
  // security
  saslHandshake,
  saslAuthenticate,
  describeAcls,
  createAcls,
  deleteAcls,
  describeUserScramCredentials,
  alterUserScramCredentials,
  createDelegationToken,
  renewDelegationToken,
  expireDelegationToken,
  describeDelegationToken,
  // transactions
  initProducerId,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  writeTxnMarkers,
  txnOffsetCommit,
  describeProducers,
  describeTransactions,
  listTransactions,
  // admin
  createTopics,
  deleteTopics,
  deleteRecords,
  offsetForLeaderEpoch,
  describeConfigs,
  alterConfigs,
  describeLogDirs,
  createPartitions,
  incrementalAlterConfigs,
  describeCluster,
  describeClientQuotas,
  alterClientQuotas,
  listConfigResources,
  describeTopicPartitions,
  // client telemetry (KIP-714)
  getTelemetrySubscriptions,
  pushTelemetry,
  // replication / cluster control
  electLeaders,
  alterPartitionReassignments,
  listPartitionReassignments,
  updateFeatures,
  describeQuorum,
  alterReplicaLogDirs,
  unregisterBroker,
  consumerGroupHeartbeat,
  consumerGroupDescribe,
  // share groups (KIP-932)
  shareGroupHeartbeat,
  shareGroupDescribe,
  shareFetch,
  shareAcknowledge,
  describeShareGroupOffsets,
  alterShareGroupOffsets,
  deleteShareGroupOffsets,
];
