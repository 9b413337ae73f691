/** The router's procedures as the reference describes them, read from the router itself. */
import { type Access, appRouter, type ProcedureMeta } from '@goated/api';
import { callTier, type RateTier, REST_BASE_PATH } from '@goated/api/server';
import { z } from 'zod';

export type Kind = 'query' | 'mutation' | 'subscription';

export interface ProcedureInfo {
  path: string;
  kind: Kind;
  access: Access | null;
  rateTiers: RateTier[];
  /** `GET /api/v1/…` when the procedure is also a REST endpoint. */
  rest: string | null;
  summary: string | null;
  /** The input as JSON Schema (dates marked `format: date-time`), or null for none. */
  input: JsonSchema | null;
}

export type JsonSchema = { [key: string]: unknown };

function isZodType(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}

function isKind(value: unknown): value is Kind {
  return value === 'query' || value === 'mutation' || value === 'subscription';
}

/** What a procedure object at run time carries (tRPC keeps it on `_def`). */
interface ProcedureDef {
  type: unknown;
  meta: ProcedureMeta;
  inputs: unknown[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isTier = (value: unknown): value is RateTier =>
  value === 'authIp' || value === 'authUsername' || value === 'mutation' || value === 'query';

/** The meta fields the reference reads, checked one by one (meta is plain data at run time). */
function metaOf(meta: unknown): ProcedureMeta {
  if (!isRecord(meta)) return {};
  const access = typeof meta.access === 'string' && isAccess(meta.access) ? meta.access : undefined;
  const rateTiers = Array.isArray(meta.rateTiers) ? meta.rateTiers.filter(isTier) : undefined;
  const openapi = isRecord(meta.openapi) ? meta.openapi : undefined;
  return {
    ...(access ? { access } : {}),
    ...(rateTiers ? { rateTiers } : {}),
    ...(openapi &&
    typeof openapi.path === 'string' &&
    isRestPath(openapi.path) &&
    (openapi.method === 'GET' ||
      openapi.method === 'POST' ||
      openapi.method === 'PUT' ||
      openapi.method === 'PATCH' ||
      openapi.method === 'DELETE')
      ? {
          openapi: {
            method: openapi.method,
            path: openapi.path,
            ...(typeof openapi.summary === 'string' ? { summary: openapi.summary } : {}),
          },
        }
      : {}),
  };
}

function isRestPath(path: string): path is `/${string}` {
  return path.startsWith('/');
}

function isAccess(value: string): value is Access {
  return value === 'public' || value === 'session' || value === 'admin' || value.startsWith('apiKey:');
}

function defOf(value: unknown): ProcedureDef | null {
  if (typeof value !== 'function' || !('_def' in value)) return null;
  const def: unknown = value._def;
  if (!isRecord(def)) return null;
  return { type: def.type, meta: metaOf(def.meta), inputs: Array.isArray(def.inputs) ? def.inputs : [] };
}

/** Replaces `{ "$ref": "#/$defs/X" }` by X itself (the reference reads better inline). */
function inlineRefs(value: unknown, defs: JsonSchema): unknown {
  if (Array.isArray(value)) return value.map((item) => inlineRefs(item, defs));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const ref = entries.find(([key]) => key === '$ref')?.[1];
  if (typeof ref === 'string' && ref.startsWith('#/$defs/'))
    return inlineRefs(defs[ref.slice('#/$defs/'.length)], defs);
  return Object.fromEntries(entries.map(([key, item]) => [key, inlineRefs(item, defs)]));
}

/** JSON Schema of an input, with dates as ISO strings (superjson carries them as dates). */
export function inputSchema(schema: z.ZodType): JsonSchema {
  const {
    $schema: _,
    $defs,
    ...json
  } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema._zod.def.type === 'date') {
        jsonSchema.type = 'string';
        jsonSchema.format = 'date-time';
      }
    },
  });
  const inlined = $defs ? inlineRefs(json, $defs) : json;
  return typeof inlined === 'object' && inlined !== null && !Array.isArray(inlined) ? { ...inlined } : json;
}

export function listProcedures(): ProcedureInfo[] {
  const procedures: ProcedureInfo[] = [];
  for (const [path, value] of Object.entries<unknown>(appRouter._def.procedures)) {
    const def = defOf(value);
    if (!def || !isKind(def.type)) continue;
    const { meta } = def;
    const [parser] = def.inputs;
    procedures.push({
      path,
      kind: def.type,
      access: meta.access ?? null,
      rateTiers: [callTier(def.type), ...(meta.rateTiers ?? [])],
      rest: meta.openapi ? `${meta.openapi.method} ${REST_BASE_PATH}${meta.openapi.path}` : null,
      summary: meta.openapi?.summary ?? null,
      input: isZodType(parser) ? inputSchema(parser) : null,
    });
  }
  return procedures.sort((a, b) => a.path.localeCompare(b.path));
}
