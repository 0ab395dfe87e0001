import type { TapConfig } from './config.js';
import { ApiError, TapError } from './errors.js';
import { createLogger, type Logger, scrub } from './log.js';
import type { SalesforceClient } from './salesforce/client.js';
import { openClient } from './salesforce/connect.js';

/**
 * `--test` (Meltano's `test` capability, Mage's `--test_connection`): log in and make one cheap API call,
 * then report in one line. Two calls in all (the login and `limits`), bounded by a deadline so a dead
 * network or a wrong host answers within seconds.
 */

export interface ConnectionCheck {
  ok: boolean;
  /** One line for people: what worked, or what failed and what to do. */
  line: string;
  instanceUrl?: string;
  dailyApiMax?: number;
  dailyApiRemaining?: number;
}

interface LimitsBody {
  DailyApiRequests?: { Max?: number; Remaining?: number };
}

export interface TestOptions {
  /** Everything, login included, must finish within this. Default 8 s (Mage kills the check at 10 s). */
  deadlineMs?: number;
  /** Logs of the login itself; by default only warnings, so the check prints its one line and little else. */
  logger?: Logger;
  /** Opens the client; tests replace it. */
  open?: (config: TapConfig, logger: Logger) => Promise<SalesforceClient>;
}

export async function checkConnection(
  config: TapConfig,
  options: TestOptions = {},
): Promise<ConnectionCheck> {
  const deadlineMs = options.deadlineMs ?? 8000;
  const logger = options.logger ?? createLogger({ level: 'warn' });
  const open = options.open ?? openClient;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TapError('api', `no answer from ${config.loginUrl} within ${deadlineMs / 1000} s`)),
      deadlineMs,
    );
    timer.unref();
  });
  const controller = new AbortController();
  try {
    return await Promise.race([deadline, probe(config, logger, open, controller.signal)]);
  } catch (error) {
    return { ok: false, line: `FAILED: ${describe(error)}` };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function probe(
  config: TapConfig,
  logger: Logger,
  open: NonNullable<TestOptions['open']>,
  signal: AbortSignal,
): Promise<ConnectionCheck> {
  const client = await open(config, logger);
  const instanceUrl = client.instanceUrl;
  let limits: LimitsBody | undefined;
  try {
    limits = await client.json<LimitsBody>({ path: 'limits', label: 'limits', signal });
  } catch (error) {
    // An org or a user without "View Setup" may refuse /limits; the data API's root answers for everyone.
    if (!(error instanceof ApiError) || (error.status !== 403 && error.status !== 404)) throw error;
    await client.json<unknown>({ path: '', label: 'versions', signal });
  }
  const max = limits?.DailyApiRequests?.Max ?? client.usage.orgMax ?? undefined;
  const remaining =
    limits?.DailyApiRequests?.Remaining ??
    (client.usage.orgMax !== null && client.usage.orgUsed !== null
      ? client.usage.orgMax - client.usage.orgUsed
      : undefined);
  const quota =
    max !== undefined && remaining !== undefined
      ? `; daily API requests: ${remaining.toLocaleString('en-US')} of ${max.toLocaleString('en-US')} remaining`
      : '';
  return {
    ok: true,
    line: `OK: connected to ${instanceUrl} with API v${config.apiVersion} (${flowName(config)})${quota}`,
    instanceUrl,
    ...(max !== undefined ? { dailyApiMax: max } : {}),
    ...(remaining !== undefined ? { dailyApiRemaining: remaining } : {}),
  };
}

function flowName(config: TapConfig): string {
  switch (config.auth.flow) {
    case 'refresh_token':
      return 'OAuth refresh token';
    case 'client_credentials':
      return 'OAuth client credentials';
    default:
      return 'username and password';
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return scrub(message).replace(/\s*\n\s*/g, ' ');
}

/** The CLI's `--test`: one line on stderr, exit code 0 or 1. */
export async function runConnectionTest(
  config: TapConfig,
  out: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const result = await checkConnection(config);
  out.write(`${result.line}\n`);
  return result.ok ? 0 : 1;
}
