import { Fragment, type HTMLAttributes, type Key, type ReactNode } from 'react';
import { Empty } from './States';

/** What a row may carry besides its cells: classes, ARIA, and the `data-*` hooks tests and styles use. */
export type RowProps = HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | number | undefined };

export interface Column<Row> {
  /** React's key for the column's header and cells. */
  key: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** On the header and every cell (`hide-narrow` …). */
  className?: string;
  /** On the body cells only (`small`, `muted`, `name` …). */
  cellClassName?: string;
  /** `num` right-aligns figures (header and cells), as the stylesheet does for `.num`. */
  align?: 'num';
  /** A tooltip on the header (what the column means). */
  title?: string;
  /** Cells of this column are row headers (`<th scope="row">`) rather than `<td>`. */
  rowHeader?: boolean;
}

interface DataTableProps<Row> {
  rows: readonly Row[];
  columns: readonly Column<Row>[];
  rowKey: (row: Row) => Key;
  /** Shown instead of the table when there are no rows. */
  empty: ReactNode;
  /** The table's classes; the admin look by default. */
  className?: string;
  /** Read by screen readers only: what the table lists. */
  caption?: string;
  'aria-label'?: string;
  'data-testid'?: string;
  rowProps?: (row: Row) => RowProps;
  /** A full-width row under a row (an editor, a list of claims), or null for none. */
  detail?: (row: Row) => ReactNode;
  detailProps?: (row: Row) => RowProps;
}

function classes(column: Pick<Column<unknown>, 'className' | 'cellClassName' | 'align'>, cell: boolean) {
  return (
    [column.align, column.className, cell ? column.cellClassName : undefined].filter(Boolean).join(' ') || undefined
  );
}

/**
 * The dashboard's one table shell: a scrolling wrapper, typed columns, an empty state, and
 * optional detail rows. Loading and failure belong to the `QueryBoundary` the table sits in.
 */
export function DataTable<Row>({
  rows,
  columns,
  rowKey,
  empty,
  className = 'table table-admin',
  caption,
  rowProps,
  detail,
  detailProps,
  ...attributes
}: DataTableProps<Row>) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div className="table-wrap">
      <table className={className} {...attributes}>
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" className={classes(column, false)} title={column.title}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const extra = detail?.(row) ?? null;
            return (
              <Fragment key={rowKey(row)}>
                <tr {...rowProps?.(row)}>
                  {columns.map((column) =>
                    column.rowHeader ? (
                      <th key={column.key} scope="row" className={classes(column, true)}>
                        {column.cell(row)}
                      </th>
                    ) : (
                      <td key={column.key} className={classes(column, true)}>
                        {column.cell(row)}
                      </td>
                    ),
                  )}
                </tr>
                {extra === null ? null : (
                  <tr {...detailProps?.(row)}>
                    <td colSpan={columns.length}>{extra}</td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
