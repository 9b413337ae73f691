/**
 * docs/API.md is generated from the router (`pnpm docs:api`); these fail when it is stale or
 * when a procedure does not say who may call it.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateApiDocs } from '../../../scripts/api-docs/generate';
import { listProcedures } from '../../../scripts/api-docs/procedures';
import { appRouter } from '../src/index';
import { buildOpenApiDocument } from '../src/server';

const apiMd = new URL('../../../docs/API.md', import.meta.url);

describe('the API reference', () => {
  it('is what the router generates today (after changing a procedure: pnpm docs:api)', async () => {
    const [generated, committed] = await Promise.all([generateApiDocs(), readFile(apiMd, 'utf8').catch(() => '')]);
    // Not toEqual: a stale file should say what to do, not print two 2,000-line texts.
    expect(committed === generated, 'docs/API.md is stale: run `pnpm docs:api` and commit it').toBe(true);
  }, 120_000);

  it('knows who may call every procedure: each is made with a builder that declares it', () => {
    const undeclared = listProcedures()
      .filter((p) => p.access === null)
      .map((p) => p.path);
    expect(undeclared).toEqual([]);
  });

  it('documents a REST operation as needing credentials exactly when its procedure is not public', () => {
    const document = buildOpenApiDocument(appRouter, { version: '0.0.0' });
    const restProcedures = listProcedures().filter((p) => p.rest);
    expect(restProcedures.length).toBeGreaterThanOrEqual(9);
    const paths = document.paths as Record<string, Record<string, { security?: unknown[] }>>;
    for (const procedure of restProcedures) {
      const [method = '', path = ''] = procedure.rest?.split(' ') ?? [];
      const operation = paths[path.replace('/api/v1', '')]?.[method.toLowerCase()];
      expect(operation, procedure.rest ?? '').toBeDefined();
      expect(Boolean(operation?.security?.length), procedure.path).toBe(procedure.access !== 'public');
    }
  });
});
