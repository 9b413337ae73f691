/**
 * Admin alerts about the upstream. `notifyAdmins` is the one door: every admin gets an
 * `operations` notification through `notify()` — stored in their inbox, toasted by an open
 * dashboard, and sent by the bot to a confirmed Telegram link, as their preferences allow.
 */
import { type Db, schema } from '@goated/db';
import { eq } from 'drizzle-orm';
import type { EventBus } from '../../events/bus';
import type { Logger } from '../../logger';
import { notify } from '../notifications/notify';
import type { SyncRunResult } from '../sync/results';
import { clearAuthFailure, markAuthFailure } from './settings';

export interface AlertDeps {
  db: Db;
  bus: EventBus;
  log?: Logger | undefined;
}

export interface AdminAlert {
  /** The precise event, e.g. `upstream.auth`. */
  type: string;
  title: string;
  body: string;
  /** The admin page that fixes it. */
  link: string;
}

/** Tells every admin, on the web and on Telegram. Returns how many admins were told. */
export async function notifyAdmins(deps: AlertDeps, alert: AdminAlert): Promise<number> {
  const admins = await deps.db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.role, 'admin'));
  const notifyDeps = { db: deps.db, bus: deps.bus, ...(deps.log ? { log: deps.log } : {}) };
  for (const admin of admins) {
    await notify(notifyDeps, admin.id, { kind: 'operations', ...alert });
  }
  return admins.length;
}

/**
 * Watches every pulled run: the first 401/403 of an outage raises one alert (whichever instance
 * sees it first; the rest find it raised), and the next accepted run clears it.
 */
export async function watchUpstreamAuth(deps: AlertDeps, result: SyncRunResult): Promise<'raised' | 'cleared' | null> {
  if (result.trigger === 'ingest' || result.status === 'skipped') return null;
  const status = result.upstreamStatus;
  if (result.status === 'failed' && (status === 401 || status === 403)) {
    if (!(await markAuthFailure(deps.db, status))) return null;
    deps.log?.warn({ status, source: result.source }, 'the affiliate feed refuses the token');
    await notifyAdmins(deps, {
      type: 'upstream.auth',
      link: '/admin/upstream',
      title: 'The affiliate feed refuses the API token',
      body: `${result.source} answered HTTP ${status}, so player figures are not updating. Paste a new token under Admin → Upstream; the next run uses it.`,
    });
    return 'raised';
  }
  if (result.status === 'succeeded' && (await clearAuthFailure(deps.db))) {
    deps.log?.info({ source: result.source }, 'the affiliate feed accepts the token again');
    return 'cleared';
  }
  return null;
}
