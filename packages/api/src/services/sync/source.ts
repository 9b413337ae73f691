/** Where player records come from: the affiliate's HTTP feed or the built-in simulator. */
export interface UpstreamSource {
  readonly name: string;
  /** Raw records, not yet validated: validation is the pipeline's job. */
  fetchRecords(signal?: AbortSignal): Promise<unknown[]>;
}
