import { type SyncRunResult, SyncService, type SyncServiceOptions } from '@goated/api/server';
import type { SyncOutcome } from './metrics';

/**
 * The pipeline with every run reported — scheduled, manual and pushed — so the server can count
 * them, without the pipeline knowing about metrics.
 */
export class ObservedSyncService extends SyncService {
  constructor(
    options: SyncServiceOptions,
    private readonly observe: (result: SyncOutcome) => void,
    private readonly onPulled: (result: SyncRunResult) => Promise<unknown>,
  ) {
    super(options);
  }

  override async runOnce(...args: Parameters<SyncService['runOnce']>): Promise<SyncRunResult> {
    const result = await super.runOnce(...args);
    this.observe(result);
    await this.onPulled(result);
    return result;
  }

  override async ingest(...args: Parameters<SyncService['ingest']>): Promise<SyncRunResult> {
    const started = performance.now();
    try {
      const result = await super.ingest(...args);
      this.observe(result);
      return result;
    } catch (err) {
      const recordsIn = args[0].length;
      this.observe({
        trigger: 'ingest',
        status: 'failed',
        durationMs: performance.now() - started,
        recordsIn,
        recordsOut: 0,
        recordsSkipped: 0,
      });
      throw err;
    }
  }
}
