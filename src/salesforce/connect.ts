import type { TapConfig } from '../config.js';
import type { Logger } from '../log.js';
import { createAuthenticator } from './auth.js';
import { type ClientOptions, SalesforceClient } from './client.js';

/**
 * Builds the authenticator for the configured flow and the HTTP client, and logs in.
 * @throws AuthError (one line: flow, host, Salesforce's answer) or ConfigError for an unusable flow.
 */
export async function openClient(
  config: TapConfig,
  logger: Logger,
  extra: Pick<ClientOptions, 'onRequest' | 'random'> = {},
): Promise<SalesforceClient> {
  const authenticator = createAuthenticator({
    auth: config.auth,
    loginUrl: config.loginUrl,
    apiVersion: config.apiVersion,
    http: config.http,
    configPath: config.configPath,
    logger,
  });
  const client = new SalesforceClient({
    authenticator,
    apiVersion: config.apiVersion,
    http: config.http,
    logger,
    quota: { percentTotal: config.quotaPercentTotal, percentPerRun: config.quotaPercentPerRun },
    ...extra,
  });
  await client.connect();
  logger.debug({ instanceUrl: client.instanceUrl }, `connected (${authenticator.description})`);
  return client;
}
