import type { TapConfig } from '../config.js';
import type { Logger } from '../log.js';
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
  // jsforce's logger writes to stdout (console.log) when JSFORCE_LOG_LEVEL is set, which would corrupt the
  // Singer stream; it reads the variable once, when it loads.
  delete process.env.JSFORCE_LOG_LEVEL;
  // Loaded here rather than at start-up: jsforce takes a while to load, and --about or a config error need none of it.
  const { createAuthenticator } = await import('./auth.js');
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
