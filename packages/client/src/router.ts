/**
 * The router's types as clients see them: every procedure's input and output, and the error
 * shape — without the server's context, meta or anything it is built from (database, schema
 * libraries). The published declarations hold this expanded shape, so installing the client
 * brings no server package, and a wrong input is a compile error wherever it is used.
 */
import type { AppRouter as ServerRouter } from '@goated/api';
import type {
  AnyTRPCProcedure,
  inferRouterInputs,
  inferRouterOutputs,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from '@trpc/server';

type Types<P extends AnyTRPCProcedure> = P['_def']['$types'];

type Primitive = string | number | boolean | bigint | symbol | null | undefined;

/** The keys of T whose property is optional. */
type OptionalKeys<T> = { [K in keyof T]-?: T extends Record<K, T[K]> ? never : K }[keyof T];
/**
 * T's properties keyed by a computed union rather than `keyof T`: such a mapped type is not
 * homomorphic, so its properties keep no link to T's declarations (which the declaration emitter
 * would print back by name).
 */
type Unlinked<T> = { [K in Exclude<keyof T, OptionalKeys<T>>]: Expand<T[K]> } & {
  [K in OptionalKeys<T>]?: Expand<T[K]>;
};
/**
 * A type written out structurally, all the way down: named server types (interfaces declared
 * beside database code) become plain object types, so the declarations need none of their
 * sources. A conditional alias that resolves is printed as its result, not by name.
 */
type Expand<T> = T extends Primitive | Date | ((...args: never[]) => unknown)
  ? T
  : T extends AsyncIterable<infer Value, infer Return, infer Next>
    ? AsyncIterable<Expand<Value>, Return, Next>
    : T extends readonly unknown[]
      ? { [K in keyof T]: Expand<T[K]> }
      : T extends object
        ? string extends keyof T
          ? { [K in keyof T]: Expand<T[K]> } // an index signature: no declarations to unlink
          : { [K in keyof Unlinked<T>]: Unlinked<T>[K] }
        : T;

/** A procedure with only what a client needs: its kind, input and output. */
type ClientProcedure<P> =
  P extends TRPCQueryProcedure<infer _>
    ? TRPCQueryProcedure<{ input: Expand<Types<P>['input']>; output: Expand<Types<P>['output']>; meta: object }>
    : P extends TRPCMutationProcedure<infer _>
      ? TRPCMutationProcedure<{ input: Expand<Types<P>['input']>; output: Expand<Types<P>['output']>; meta: object }>
      : P extends TRPCSubscriptionProcedure<infer _>
        ? TRPCSubscriptionProcedure<{
            input: Expand<Types<P>['input']>;
            output: Expand<Types<P>['output']>;
            meta: object;
          }>
        : never;

/** A sub-router's own record (a nested router carries the server's context; its record does not). */
type RecordOf<T> = T extends { _def: { record: infer R } } ? R : T;

/**
 * Written out level by level on purpose: the declaration emitter prints an anonymous mapped type
 * expanded, property by property, where a named recursive alias would be printed by name and
 * drag the server's types into the declarations. Three levels: `admin.users.list`.
 */
declare function expand<R extends ServerRouter>(): {
  errorShape: Expand<R['_def']['_config']['$types']['errorShape']>;
  record: {
    [K in keyof RecordOf<R>]: RecordOf<R>[K] extends AnyTRPCProcedure
      ? ClientProcedure<RecordOf<R>[K]>
      : {
          [K2 in keyof RecordOf<RecordOf<R>[K]>]: RecordOf<RecordOf<R>[K]>[K2] extends AnyTRPCProcedure
            ? ClientProcedure<RecordOf<RecordOf<R>[K]>[K2]>
            : {
                [K3 in keyof RecordOf<RecordOf<RecordOf<R>[K]>[K2]>]: ClientProcedure<
                  RecordOf<RecordOf<RecordOf<R>[K]>[K2]>[K3]
                >;
              };
        };
  };
};

// Types only: this module is never loaded at run time (`import type` everywhere).
const shape = expand<ServerRouter>();
type Shape = typeof shape;

/** The router, as `createTRPCClient<AppRouter>` and `inferRouterOutputs<AppRouter>` take it. */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: Shape['errorShape']; transformer: true },
  Shape['record']
>;
/** Inputs of every procedure, e.g. `RouterInputs['leaderboard']['top']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. `RouterOutputs['races']['standings']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
