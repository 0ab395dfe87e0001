import type { TapConfig } from '../config.js';
import { TapError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SalesforceClient } from '../salesforce/client.js';
import type { Catalog } from '../singer/catalog.js';

/** Enumerates the org's replicable objects, describes them, and builds the Singer catalog. */
export async function runDiscovery(options: {
  config: TapConfig;
  client: SalesforceClient;
  logger: Logger;
}): Promise<Catalog> {
  void options;
  throw new TapError('internal', 'discovery is not built yet');
}
