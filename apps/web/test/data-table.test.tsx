/**
 * The dashboard's one table shell: typed columns, the empty state instead of an empty table,
 * row hooks for tests and styles, and full-width detail rows under the rows that open one.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { type Column, DataTable } from '../src/components/DataTable';

interface Run {
  id: number;
  status: string;
  records: number;
}

const columns: Column<Run>[] = [
  { key: 'run', header: 'Run', rowHeader: true, cell: (run) => run.id },
  { key: 'status', header: 'Status', cellClassName: 'small', cell: (run) => run.status },
  {
    key: 'records',
    header: 'Records',
    align: 'num',
    className: 'hide-narrow',
    title: 'Applied',
    cell: (r) => r.records,
  },
];
const runs: Run[] = [
  { id: 1, status: 'ok', records: 10 },
  { id: 2, status: 'failed', records: 0 },
];

describe('DataTable', () => {
  it('says the empty message instead of drawing an empty table', () => {
    const html = renderToStaticMarkup(
      <DataTable rows={[]} columns={columns} rowKey={(r) => r.id} empty="No runs yet." />,
    );
    expect(html).toBe('<p class="empty muted">No runs yet.</p>');
  });

  it('puts header classes on both header and cells, cell classes on the cells only', () => {
    const html = renderToStaticMarkup(
      <DataTable rows={runs} columns={columns} rowKey={(r) => r.id} empty="none" caption="Sync runs" />,
    );
    expect(html).toContain('<caption class="sr-only">Sync runs</caption>');
    expect(html).toContain('<th scope="col" class="num hide-narrow" title="Applied">Records</th>');
    expect(html).toContain('<th scope="col">Status</th>');
    expect(html).toContain('<th scope="row">1</th><td class="small">ok</td><td class="num hide-narrow">10</td>');
  });

  it('gives rows their data hooks and opens a full-width detail row only where asked', () => {
    const html = renderToStaticMarkup(
      <DataTable
        rows={runs}
        columns={columns}
        rowKey={(r) => r.id}
        empty="none"
        rowProps={(r) => ({ 'data-run': r.id })}
        detail={(r) => (r.status === 'failed' ? `run ${r.id} failed` : null)}
        detailProps={() => ({ className: 'row-detail' })}
      />,
    );
    expect(html).toContain('<tr data-run="1">');
    expect(html).toContain('<tr class="row-detail"><td colSpan="3">run 2 failed</td></tr>');
    expect(html.match(/row-detail/g)).toHaveLength(1);
  });
});
