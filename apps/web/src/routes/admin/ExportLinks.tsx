import { useState } from 'react';

/** A download link to `GET /admin/export/<what>.csv` (the session cookie signs the request). */
export function exportHref(what: string, params: Record<string, string | number | undefined | null> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return `/admin/export/${what}.csv${text ? `?${text}` : ''}`;
}

const periods = ['today', 'week', 'month', 'all'] as const;
/** The exports without options: file name and link text. */
const exports = [
  ['users', 'Users'],
  ['bonus-claims', 'Bonus claims'],
  ['challenge-entries', 'Challenge entries'],
  ['audit', 'Audit log'],
  ['logs', 'Transformation log'],
] as const;

/** Every export in one place; pages also link the export of what they show. */
export function ExportLinks() {
  const [period, setPeriod] = useState<(typeof periods)[number]>('month');
  return (
    <section className="card" aria-labelledby="exports-title">
      <h2 id="exports-title">Exports (CSV)</h2>
      <p className="muted small">Streamed as they are read; every download is in the audit log.</p>
      <ul className="export-list">
        <li>
          <a href={exportHref('leaderboard', { period })} download>
            Leaderboard
          </a>{' '}
          <select
            className="input input-small"
            aria-label="Leaderboard period"
            value={period}
            onChange={(e) => setPeriod(periods.find((p) => p === e.target.value) ?? 'month')}
          >
            {periods.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </li>
        {exports.map(([what, label]) => (
          <li key={what}>
            <a href={exportHref(what)} download>
              {label}
            </a>
          </li>
        ))}
      </ul>
      <p className="muted small">A race’s results: the Export link on each race under Races.</p>
    </section>
  );
}
