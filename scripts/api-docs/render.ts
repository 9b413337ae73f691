/** docs/API.md from the procedures: one section per procedure, generated, never edited by hand. */
import type { Access } from '@goated/api';
import { defaultTiers, type RateTier } from '@goated/api/server';
import superjson from 'superjson';
import type { JsonSchema, ProcedureInfo } from './procedures';

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const schemaList = (value: unknown): JsonSchema[] => (Array.isArray(value) ? value.filter(isSchema) : []);

export function whoMayCall(access: Access | null): string {
  switch (access) {
    case 'public':
      return 'anyone (a key or session, when sent, counts the call against that caller)';
    case 'session':
      return 'a signed-in user (session cookie or session token)';
    case 'admin':
      return 'admins: an admin user or an `admin`-scoped API key (a `read` key for queries and subscriptions)';
    case null:
      return '**not declared** (build the procedure with a builder from `packages/api/src/trpc.ts`)';
    default:
      return `an API key with the \`${access.slice('apiKey:'.length)}\` scope (or an \`admin\` key, or a signed-in admin)`;
  }
}

const tierNames: Record<RateTier, { name: string; per: string }> = {
  authIp: { name: 'auth attempts per address', per: 'address' },
  authAccountIp: { name: 'failed passwords per account and address', per: 'account and address' },
  authAccount: {
    name: 'failed passwords per account (past it only addresses without failures may try)',
    per: 'account',
  },
  credentialFailure: { name: 'refused credentials per address', per: 'address' },
  telegramUser: { name: 'bot calls per Telegram user', per: 'Telegram user' },
  telegramReset: { name: 'reset tokens per Telegram user', per: 'Telegram user' },
  mutation: { name: 'mutations', per: 'caller' },
  query: { name: 'queries', per: 'caller' },
};

export function rateTierText(tiers: RateTier[]): string {
  return tiers
    .map((tier) => {
      const { points, durationSeconds } = defaultTiers[tier];
      const { name, per } = tierNames[tier];
      const window = durationSeconds >= 60 ? `${durationSeconds / 60} min` : `${durationSeconds} s`;
      return `${name} (${points} per ${window} per ${per} by default)`;
    })
    .join(' + ');
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A short type for a table cell: `"a" \| "b"`, `integer`, `string[]`, `object`. */
export function typeText(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if ('const' in schema) return JSON.stringify(schema.const);
  const anyOf = schemaList(schema.anyOf ?? schema.oneOf);
  if (anyOf.length > 0) return anyOf.map(typeText).join(' | ');
  if (schema.format === 'date-time') return 'date (ISO 8601)';
  if (schema.type === 'array') return `${isSchema(schema.items) ? typeText(schema.items) : 'any'}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (typeof schema.type === 'string') return schema.type;
  return 'any';
}

/** "1–100 chars", "≥ 1", "default 10", "matches /…/": what the schema allows. */
export function limitsText(schema: JsonSchema): string {
  const parts: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    if (typeof min === 'number' && typeof max === 'number') parts.push(`${min}–${max}${unit}`);
    else if (typeof min === 'number') parts.push(`≥ ${min}${unit}`);
    else if (typeof max === 'number') parts.push(`≤ ${max}${unit}`);
  };
  const inner = schemaList(schema.anyOf).find((s) => s.type !== 'null') ?? schema;
  range(inner.minLength, inner.maxLength, ' chars');
  const maxSafe = Number.MAX_SAFE_INTEGER;
  range(inner.minimum, inner.maximum === maxSafe ? undefined : inner.maximum, '');
  if (typeof inner.exclusiveMinimum === 'number') parts.push(`> ${inner.exclusiveMinimum}`);
  range(inner.minItems, inner.maxItems, ' items');
  if (typeof inner.pattern === 'string') parts.push(`matches \`${inner.pattern}\``);
  if ('default' in schema) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}

/** Field rows of an object input (nested objects as `a.b`). */
function fieldRows(schema: JsonSchema, prefix = ''): string[] {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const rows: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (!isSchema(value)) continue;
    const field = `${prefix}${name}`;
    const description = typeof value.description === 'string' ? value.description : '';
    rows.push(
      `| \`${field}\` | ${cell(typeText(value))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(limitsText(value))} | ${cell(description)} |`,
    );
    if (value.type === 'object' && isSchema(value.properties)) rows.push(...fieldRows(value, `${field}.`));
    if (value.type === 'array' && isSchema(value.items) && isSchema(value.items.properties)) {
      rows.push(...fieldRows(value.items, `${field}[].`));
    }
  }
  return rows;
}

function inputSection(input: JsonSchema | null): string {
  if (!input) return '**Input:** none.';
  const options = schemaList(input.anyOf);
  const object = input.type === 'object' ? input : options.find((s) => s.type === 'object');
  if (!object) return `**Input:** \`${typeText(input)}\` ${limitsText(input)}`.trimEnd();
  const optional = object !== input ? ' (optional: the whole input may be left out)' : '';
  const rows = fieldRows(object);
  if (rows.length === 0) return `**Input:** an empty object${optional}.`;
  return [
    `**Input**${optional}:`,
    '',
    '| field | type | required | limits | notes |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** A value that satisfies the schema, for the curl example. */
export function exampleValue(schema: JsonSchema): unknown {
  if ('default' in schema && schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const options = schemaList(schema.anyOf);
  if (options.length > 0) return exampleValue(options.find((s) => s.type !== 'null') ?? options[0] ?? {});
  if (schema.format === 'date-time') return new Date('2026-01-01T00:00:00Z');
  switch (schema.type) {
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? Math.max(schema.minimum, 1) : 1;
    case 'boolean':
      return false;
    case 'array':
      return isSchema(schema.items) ? [exampleValue(schema.items)] : [];
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required : []);
      return Object.fromEntries(
        Object.entries(properties)
          .filter(([name]) => required.has(name))
          .map(([name, value]) => [name, isSchema(value) ? exampleValue(value) : null]),
      );
    }
    case 'string':
      return typeof schema.minLength === 'number' && schema.minLength > 7 ? 'x'.repeat(schema.minLength) : 'text';
    default:
      return {};
  }
}

/** The raw tRPC HTTP form: superjson's `{"json": …}` envelope, GET for queries, POST for mutations. */
export function curlExample(procedure: ProcedureInfo): string {
  const auth = procedure.access === 'public' ? '' : ' -H "authorization: Bearer $API_TOKEN"';
  const value = procedure.input ? exampleValue(procedure.input) : undefined;
  const wire = value === undefined ? null : JSON.stringify(superjson.serialize(value));
  const url = `$API_URL/trpc/${procedure.path}`;
  if (procedure.kind === 'mutation') {
    return `curl -s -X POST "${url}"${auth} -H 'content-type: application/json' -d '${wire ?? '{}'}'`;
  }
  const query = wire ? `?input=${encodeURIComponent(wire)}` : '';
  if (procedure.kind === 'subscription') {
    return `curl -N "${url}${query}"${auth} -H 'accept: text/event-stream'   # Server-Sent Events; Ctrl-C to stop`;
  }
  return `curl -s "${url}${query}"${auth}`;
}

export function renderProcedure(procedure: ProcedureInfo, output: string): string {
  const facts = [
    `- **Kind:** ${procedure.kind}${procedure.kind === 'subscription' ? ' (WebSocket, or Server-Sent Events)' : ''}`,
    `- **Who may call it:** ${whoMayCall(procedure.access)}`,
    `- **Rate tier:** ${rateTierText(procedure.rateTiers)}`,
    ...(procedure.rest ? [`- **REST:** \`${procedure.rest}\` (see [/api/docs](#rest-api))`] : []),
  ];
  return [
    `### \`${procedure.path}\``,
    '',
    ...(procedure.summary ? [procedure.summary, ''] : []),
    ...facts,
    '',
    inputSection(procedure.input),
    '',
    `**Output${procedure.kind === 'subscription' ? ' (each event)' : ''}:**`,
    '',
    '```ts',
    output,
    '```',
    '',
    '```sh',
    curlExample(procedure),
    '```',
  ].join('\n');
}
