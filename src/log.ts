import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Secret values seen in config or token responses; scrubbed from every log line and error message. */
const secretValues = new Set<string>();

const SECRET_KEYS = [
  'client_secret',
  'clientSecret',
  'refresh_token',
  'refreshToken',
  'password',
  'security_token',
  'securityToken',
  'access_token',
  'accessToken',
  'sessionId',
  'authorization',
  'Authorization',
];

// Shapes secrets take inside text we did not write ourselves (echoed requests, SOAP bodies, URLs).
const SECRET_PATTERNS: RegExp[] = [
  /(Bearer\s+)[^\s"',]+/gi,
  /(<(?:\w+:)?sessionId>)[^<]*/gi,
  /(<(?:\w+:)?password>)[^<]*/gi,
  /((?:access_token|refresh_token|client_secret|password|code_verifier|code)=)[^&\s"']+/gi,
  /("(?:access_token|refresh_token|client_secret|password|security_token|sessionId)"\s*:\s*")[^"]*/gi,
  /(X-SFDC-Session:\s*)\S+/gi,
];

export const REDACTED = '[redacted]';

/** Remember a secret so that it never appears in logs or error messages. Short values are ignored. */
export function registerSecret(value: unknown): void {
  if (typeof value === 'string' && value.length >= 6) secretValues.add(value);
}

export function scrub(text: string): string {
  let out = text;
  for (const secret of secretValues) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, `$1${REDACTED}`);
  return out;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Human-readable lines for a terminal; pino's JSON lines everywhere else. */
function prettyStream(out: NodeJS.WritableStream): Writable {
  // On a terminal, erase the line first: it may hold the live progress line (src/progress.ts).
  const clear = (out as { isTTY?: boolean }).isTTY ? '\x1b[2K' : '';
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const {
            level,
            time,
            msg,
            pid: _pid,
            hostname: _host,
            ...rest
          } = JSON.parse(line) as Record<string, unknown>;
          const when = new Date(Number(time)).toISOString().slice(11, 19);
          const extra = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          out.write(
            `${clear}${when} ${LEVEL_NAMES[Number(level)] ?? level} ${msg ?? ''}${extra ? ` ${extra}` : ''}\n`,
          );
        } catch {
          out.write(`${line}\n`);
        }
      }
      callback();
    },
  });
}

export interface LoggerOptions {
  level?: string;
  /** Where log lines go; stderr unless a test or an orchestrator mode says otherwise. Never stdout. */
  destination?: NodeJS.WritableStream;
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  // An unknown LOG_LEVEL must not crash the process at import; the CLI warns about it.
  const wanted = (options.level ?? process.env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  const level = wanted === 'silent' || wanted in pino.levels.values ? wanted : 'info';
  const pretty = options.pretty ?? (options.destination === undefined && process.stderr.isTTY === true);
  const base = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), censor: REDACTED },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>,
          );
        },
      },
      formatters: {
        log(object) {
          const err = object.err;
          if (err instanceof Error) return { ...object, err: scrub(err.message) };
          return object;
        },
      },
    },
    pretty ? prettyStream(process.stderr) : base,
  );
}

/** The process-wide logger; replaced once the CLI knows its mode and level. */
export let log: Logger = createLogger();

export function setLogger(logger: Logger): void {
  log = logger;
}
