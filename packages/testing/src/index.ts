/**
 * `@goated/testing`: the helpers with no dependency of their own. What needs a database, Redis,
 * the api or the server is behind a subpath (`./db`, `./redis`, `./upstream`, `./bus`,
 * `./server`, `./telegram`), so a unit test loads none of it.
 */
export { fullHealth } from './health';
export { freePort } from './ports';
export { consume } from './streams';
export { type Deferred, deferred, sleep, type WaitOptions, waitFor } from './wait';
