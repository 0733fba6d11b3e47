// Stands in for `@node-rs/crc32` inside the CLI bundle (scripts/bundle-cli.mjs): the native module is loaded on
// the first checksum instead of at start-up, as src/protocol/records/crc.ts does. dlopen and the CommonJS
// export scan cost the file engine ~10 ms before ready; a fresh or cleanly stopped log needs no checksum then.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let lib;
const native = () => (lib ??= require('@node-rs/crc32'));

export const crc32c = (input, initialState) => native().crc32c(input, initialState);
export const crc32 = (input, initialState) => native().crc32(input, initialState);
