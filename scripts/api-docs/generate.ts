/** Builds docs/API.md from the router (scripts/api-docs.ts writes or checks it). */
import { outputTypes } from './outputs';
import { listProcedures } from './procedures';
import { renderProcedure } from './render';

const intro = `# API reference

Generated from the router by \`pnpm docs:api\` — do not edit by hand (\`pnpm test\` fails when this
file is stale). Every procedure of the tRPC API, with its kind, input, output, who may call it and
its rate tier. For how to call them, see [README § Use the API](../README.md#use-the-api).

## Calling conventions

- **Typed client** (TypeScript): \`@goated/client\` — \`api.leaderboard.top.query({ period: 'month' })\`.
- **Raw tRPC over HTTP** (any language): queries are \`GET /trpc/<path>?input=<JSON>\`, mutations
  \`POST /trpc/<path>\` with the JSON as body. The input is wrapped the way superjson writes it:
  \`{"json": <input>}\`, plus \`"meta"\` when it holds dates (the curl examples show both). Answers
  come back as \`{"result": {"data": {"json": <output>}}}\`; errors as \`{"error": {"json": {"message",
  "code", "data": {"code", "httpStatus", "zodIssues", "retryAfterSeconds"}}}}\`. Set
  \`API_URL=http://127.0.0.1:5000\` (and \`API_TOKEN\` where a key is needed) to run the examples.
- **Subscriptions** stream over the WebSocket at \`/trpc\`, or as Server-Sent Events from the same
  URL as a query (\`accept: text/event-stream\`); tracked events carry an id to resume from.
- <a id="rest-api"></a>**REST** (plain JSON, no envelope): the procedures marked *REST* below are also
  \`/api/v1/…\` endpoints, described by the OpenAPI 3.1 document at \`/api/openapi.json\` and browsable
  at \`/api/docs\`; errors there are RFC 9457 problem details.
- **Credentials:** \`Authorization: Bearer <key or session token>\` (keys start with \`gvk_\`).
- **Rate limits** count per caller (user, key, else address) per tier; over the limit the answer is
  \`TOO_MANY_REQUESTS\` (HTTP 429) with \`Retry-After\`. The numbers shown are the defaults
  (\`RATE_LIMIT_*\` settings change them).
`;

export async function generateApiDocs(): Promise<string> {
  const procedures = listProcedures();
  const outputs = await outputTypes(procedures.map((p) => p.path));
  const groups = new Map<string, string[]>();
  for (const procedure of procedures) {
    const group = procedure.path.split('.')[0] ?? procedure.path;
    const sections = groups.get(group) ?? [];
    const output = outputs.get(procedure.path) ?? 'unknown';
    // A subscription's output is the stream; each event is what a client receives.
    const event =
      procedure.kind === 'subscription' ? /^AsyncIterable<([\s\S]*), [^,<>]+, [^,<>]+>$/.exec(output)?.[1] : undefined;
    sections.push(renderProcedure(procedure, event ?? output));
    groups.set(group, sections);
  }
  const contents = [...groups.keys()].map((group) => `[${group}](#${group})`).join(' · ');
  const body = [...groups.entries()].map(([group, sections]) => [`## ${group}`, '', sections.join('\n\n')].join('\n'));
  return `${[intro, `**${procedures.length} procedures:** ${contents}`, ...body].join('\n\n')}\n`;
}
