export { type Client, type ClientOptions, createClient } from './client';
export { errorCode, ServerUnreachableError, unreachableReason } from './errors';
export type { AppRouter, RouterInputs, RouterOutputs } from './router';
export { clientVersion } from './version';
