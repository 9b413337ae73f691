export { type Client, type ClientOptions, createClient } from './client';
export { errorCode, serverUnreachable, type Unreachable } from './errors';
export type { AppRouter, RouterInputs, RouterOutputs } from './router';
export { clientVersion } from './version';
