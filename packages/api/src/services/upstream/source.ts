/**
 * The source a run pulls from, chosen at the start of each run from the stored settings: a
 * change made on any instance reaches every instance's next run, with no restart.
 */
import type { Db } from '@goated/db';
import type { HttpTuning } from '../../deps';
import { HttpUpstream } from '../sync/http-source';
import type { UpstreamSource } from '../sync/source';
import { effectiveUpstream, type UpstreamDefault } from './settings';

export type { HttpTuning } from '../../deps';

export interface ConfiguredUpstreamOptions {
  db: Db;
  /** The environment's feed (AFFILIATE_API_URL); null → the simulator unless an admin sets one. */
  fallback: UpstreamDefault | null;
  /** Timeouts, retries and pages for any HTTP feed. */
  http: HttpTuning;
  simulator: UpstreamSource;
}

export class ConfiguredUpstream {
  private cached: { key: string; source: UpstreamSource } | null = null;

  constructor(private readonly options: ConfiguredUpstreamOptions) {}

  /** The source for the next run (the same object while the settings stay the same). */
  async resolve(): Promise<UpstreamSource> {
    const chosen = await effectiveUpstream(this.options.db, this.options.fallback);
    if (chosen.kind === 'simulator') return this.options.simulator;
    const key = `${chosen.url}\n${chosen.token ?? ''}`;
    if (this.cached?.key !== key) {
      this.cached = { key, source: new HttpUpstream({ ...this.options.http, url: chosen.url, token: chosen.token }) };
    }
    return this.cached.source;
  }
}
