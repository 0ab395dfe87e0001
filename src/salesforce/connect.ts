import type { TapConfig } from '../config.js';
import { TapError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SalesforceClient } from './client.js';

/** Builds the authenticator for the configured flow, the HTTP client, and logs in. */
export async function openClient(config: TapConfig, logger: Logger): Promise<SalesforceClient> {
  void config;
  void logger;
  throw new TapError('internal', 'connecting to Salesforce is not built yet');
}
