// Every implemented API, one handler module per API key. ApiVersions advertises exactly this list.
import type { HandlerDef } from './context.js';
import apiVersions from './api-versions.js';
import fetch from './fetch.js';
import listOffsets from './list-offsets.js';
import metadata from './metadata.js';
import produce from './produce.js';

export const HANDLERS: HandlerDef[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  apiVersions,
];
