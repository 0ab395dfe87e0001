import type { TapConfig } from '../config.js';
import { TapError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { Catalog } from '../singer/catalog.js';
import type { TapState } from '../singer/state.js';

export interface SyncOptions {
  config: TapConfig;
  client: SalesforceClient;
  catalog: Catalog;
  state: TapState;
  logger: Logger;
  /** Where Singer messages go (stdout in the CLI). */
  out: NodeJS.WritableStream;
  /** Aborted on SIGTERM/SIGINT: the run stops fetching, writes its last valid STATE and throws 'interrupted'. */
  signal: AbortSignal;
}

/** Syncs every selected stream of the catalog. */
export async function runSync(options: SyncOptions): Promise<void> {
  void options;
  throw new TapError('internal', 'sync is not built yet');
}
