// Public API: start kafkalite in-process (for tests) and the building blocks it is made of.
export { startBroker, parseListeners, type BrokerOptions, type RunningBroker } from './kafkalite.js';
export type { ClientTelemetryPush } from './coordinator/telemetry/index.js';
export { ErrorCode, KafkaError } from './protocol/errors.js';
