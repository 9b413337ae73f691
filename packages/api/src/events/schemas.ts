/**
 * What an event must look like when it arrives from another process (Redis): one zod schema per
 * topic. Inside a process the types of `AppEvents` are enough; across processes a message is
 * only text, so it is checked before any subscriber sees it. The check at the bottom proves each
 * schema's output is exactly its topic's payload type: a field added to `AppEvents` and not here
 * (or the reverse) fails the type check instead of being silently stripped on the way.
 */
import { z } from 'zod';
import type { AppEvents, EventTopic } from './bus';

const at = z.string();

const schemas = {
  'leaderboard.changed': z.object({ changedPlayers: z.number(), at }),
  'race.changed': z.object({ raceId: z.number(), status: z.string(), at }),
  'auth.revoked': z.object({
    userId: z.string(),
    sessionIds: z.union([z.array(z.string()), z.literal('all')]),
    reason: z.enum(['signed-out', 'password-changed', 'banned', 'role-changed']),
    at,
  }),
  'apiKey.revoked': z.object({
    keyId: z.number(),
    reason: z.enum(['revoked', 'rotated', 'suspended']),
    effectiveAt: z.string(),
    at,
  }),
  'race.finished': z.object({
    raceId: z.number(),
    name: z.string(),
    prizePool: z.string(),
    winners: z.array(
      z.object({ rank: z.number(), uid: z.string(), name: z.string(), wagered: z.string(), prize: z.string() }),
    ),
    unawarded: z.string(),
    at,
  }),
  'user.notification': z.object({
    userId: z.string(),
    id: z.number().optional(),
    kind: z.string(),
    type: z.string().optional(),
    title: z.string(),
    body: z.string(),
    link: z.string().nullable().optional(),
    web: z.boolean().optional(),
    telegram: z.boolean().optional(),
    at,
  }),
  'claim.created': z.object({ claimId: z.number(), at }),
  'vip.tiersChanged': z.object({ at }),
  'log.created': z.object({ id: z.number(), type: z.enum(['info', 'warning', 'error']), message: z.string(), at }),
} satisfies { [T in EventTopic]: z.ZodType<AppEvents[T]> };

/** True when A and B are the same type: same fields, optional or not, at every depth. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Topics whose schema's output differs from the payload type (must stay `never`). */
type Mismatched = {
  [T in EventTopic]: Same<z.output<(typeof schemas)[T]>, AppEvents[T]> extends true ? never : T;
}[EventTopic];
const schemasMatchPayloads: [Mismatched] extends [never] ? true : Mismatched = true;
void schemasMatchPayloads;

/** The schema of each topic's payload. */
export const eventSchemas: { readonly [T in EventTopic]: z.ZodType<AppEvents[T]> } = schemas;

export function isEventTopic(topic: string): topic is EventTopic {
  return Object.hasOwn(eventSchemas, topic);
}

/** `payload` checked against `topic`'s schema: the payload, or what makes it unfit. */
export function checkEvent<T extends EventTopic>(
  topic: T,
  payload: unknown,
): { ok: true; payload: AppEvents[T] } | { ok: false; problems: string[] } {
  const parsed = eventSchemas[topic].safeParse(payload);
  if (parsed.success) return { ok: true, payload: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`) };
}
