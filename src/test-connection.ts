import { Writable } from 'node:stream';
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
  // The login's own warnings (retries) are kept, not printed: the last one explains a missed deadline.
  let lastWarning = '';
  const quiet = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const msg = (JSON.parse(chunk.toString()) as { msg?: unknown }).msg;
      if (typeof msg === 'string') lastWarning = msg;
      callback();
    },
  });
  const logger = options.logger ?? createLogger({ level: 'warn', destination: quiet, pretty: false });
  const open = options.open ?? openClient;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TapError(
            'api',
            `no answer from ${config.loginUrl} within ${deadlineMs / 1000} s${lastWarning ? ` (${lastWarning})` : ''}`,
          ),
        ),
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

/**
 * The CLI's `--test`: one line on stderr, exit code 0 or 1. A check that hit its deadline may leave a login
 * retry sleeping on a dead host, so once the line is written the process ends instead of waiting for it.
 */
export async function runConnectionTest(config: TapConfig): Promise<number> {
  const result = await checkConnection(config);
  const code = result.ok ? 0 : 1;
  await exitAfterFlush(`${result.line}\n`, code);
  return code;
}

/** Writes the text to stderr, then ends the process once stdout and stderr are flushed. */
export function exitAfterFlush(text: string, code: number): Promise<void> {
  return new Promise(() => {
    process.stderr.write(text, () => process.stdout.write('', () => process.exit(code)));
  });
}
