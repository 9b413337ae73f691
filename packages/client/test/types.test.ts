/**
 * Type-level tests: they fail `pnpm typecheck` (and so CI) when inference from the router to a
 * client breaks. The runtime part only makes sure vitest counts the file.
 */
import type { RouterInputs as ServerInputs, RouterOutputs as ServerOutputs } from '@goated/api';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createClient } from '../src/client';
import type { RouterInputs, RouterOutputs } from '../src/index';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Leaf = string | number | boolean | bigint | symbol | Date | null | undefined;
/** True when `any` appears anywhere inside T (to a depth that covers every procedure). */
type HasAny<T, Depth extends unknown[] = []> =
  IsAny<T> extends true
    ? true
    : Depth['length'] extends 10
      ? false
      : T extends Leaf
        ? false
        : T extends (...args: never[]) => unknown
          ? false
          : T extends object
            ? true extends { [K in keyof T]-?: HasAny<T[K], [...Depth, unknown]> }[keyof T]
              ? true
              : false
            : false;

// A client that is never called: only its types matter here.
const { api } = createClient({ url: 'http://127.0.0.1:9' });

describe('end-to-end types', () => {
  it('detects any where it hides (so the checks below can fail)', () => {
    expectTypeOf<HasAny<{ a: { b: ReturnType<typeof JSON.parse> }[] }>>().toEqualTypeOf<true>();
    expectTypeOf<HasAny<{ a: { b: string }[] }>>().toEqualTypeOf<false>();
  });

  it('gives clients exactly the inputs and outputs the router infers', () => {
    expectTypeOf<RouterInputs>().toEqualTypeOf<ServerInputs>();
    // Outputs are written out structurally (an `Omit<…> & {…}` becomes one object type), so they
    // are compared by assignability both ways rather than by identity.
    expectTypeOf<RouterOutputs>().toExtend<ServerOutputs>();
    expectTypeOf<ServerOutputs>().toExtend<RouterOutputs>();
  });

  it('lets no any cross the client–server boundary', () => {
    expectTypeOf<HasAny<RouterOutputs>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<RouterInputs>>().toEqualTypeOf<false>();
  });

  it('infers outputs on the client, with superjson types intact', () => {
    type Top = Awaited<ReturnType<typeof api.leaderboard.top.query>>;
    expectTypeOf<Top>().toEqualTypeOf<RouterOutputs['leaderboard']['top']>();
    expectTypeOf<Top['entries'][number]>().toEqualTypeOf<{
      rank: number;
      uid: string;
      name: string;
      wagered: string;
      tier: { rank: number; name: string; colour: string };
    }>();
    expectTypeOf<Top['generatedAt']>().toEqualTypeOf<Date>();
    expectTypeOf<Top['nextCursor']>().toEqualTypeOf<string | null>();
    type Standings = RouterOutputs['races']['standings'];
    expectTypeOf<Standings['status']>().toEqualTypeOf<'upcoming' | 'live' | 'completed' | 'cancelled'>();
    expectTypeOf<RouterOutputs['players']['get']['periods']['month']['rank']>().toEqualTypeOf<number | null>();
  });

  it('checks inputs on the client', () => {
    expectTypeOf<RouterInputs['leaderboard']['top']['period']>().toEqualTypeOf<'today' | 'week' | 'month' | 'all'>();
    // Defaults make fields optional on the client side.
    expectTypeOf<RouterInputs['leaderboard']['top']['limit']>().toEqualTypeOf<number | undefined>();
    const wrongCalls = () => {
      // @ts-expect-error: 'year' is not a period
      void api.leaderboard.top.query({ period: 'year' });
      // @ts-expect-error: uid is required
      void api.leaderboard.position.query({ period: 'week' });
      // @ts-expect-error: raceId is a number
      void api.races.get.query({ raceId: '1' });
      // @ts-expect-error: no such procedure
      void api.leaderboard.bottom.query({ period: 'week' });
    };
    expect(typeof wrongCalls).toBe('function');
  });

  it('types subscription data, tracked ids included', () => {
    const subscribe = () =>
      api.leaderboard.onUpdate.subscribe(
        { period: 'month' },
        {
          onData(event) {
            expectTypeOf(event.id).toEqualTypeOf<string>();
            expectTypeOf(event.data).toEqualTypeOf<RouterOutputs['leaderboard']['top']>();
          },
        },
      );
    expect(typeof subscribe).toBe('function');
  });

  it('types the pipeline procedures end to end', () => {
    type LogPage = Awaited<ReturnType<typeof api.logs.list.query>>;
    expectTypeOf<LogPage['entries'][number]['createdAt']>().toEqualTypeOf<Date>();
    expectTypeOf<LogPage['entries'][number]['type']>().toEqualTypeOf<'info' | 'warning' | 'error'>();
    expectTypeOf<RouterInputs['logs']['list']['since']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<RouterInputs['logs']['onLog']['lastEventId']>().toEqualTypeOf<string | null | undefined>();
    type Ingest = RouterInputs['sync']['ingest']['records'][number];
    expectTypeOf<Ingest['wagered']['today']>().toEqualTypeOf<number | string>();
    expectTypeOf<RouterOutputs['sync']['runNow']['status']>().toEqualTypeOf<'succeeded' | 'failed' | 'skipped'>();
    expectTypeOf<RouterOutputs['sync']['status']['nextRunAt']>().toEqualTypeOf<Date | null>();
  });
});
