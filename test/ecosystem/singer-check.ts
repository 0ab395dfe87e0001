/**
 * Our own `singer-check-tap`: the checks singer-tools' checker applies to a tap's output, applied to ours.
 * - every stdout line is a JSON object with a `type` and that type's required keys (singer-python's parser);
 * - a RECORD's stream has had a SCHEMA;
 * - every record validates against its stream's latest schema (JSON Schema with format checking), with
 *   `date-time` values held to strict RFC 3339, as the checker's strict_rfc3339 hook does;
 * - counts per message type and the last STATE value, for the second run with `--state`.
 */
import { Ajv, type ValidateFunction } from 'ajv';

const REQUIRED: Record<string, string[]> = {
  SCHEMA: ['stream', 'schema', 'key_properties'],
  RECORD: ['stream', 'record'],
  STATE: ['value'],
  ACTIVATE_VERSION: ['stream', 'version'],
};

/** RFC 3339 `date-time`: full-date "T" full-time, seconds required, an offset with a colon or Z. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

export function isStrictRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(year as number, month as number, 0)).getUTCDate();
  if ((month as number) < 1 || (month as number) > 12 || (day as number) < 1 || (day as number) > daysInMonth)
    return false;
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 60) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

export interface CheckReport {
  counts: Record<string, number>;
  recordsPerStream: Record<string, number>;
  lastState: unknown;
  problems: string[];
}

export function checkSingerOutput(stdout: string, maxProblems = 20): CheckReport {
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
  ajv.addFormat('date-time', { type: 'string', validate: isStrictRfc3339 });
  ajv.addFormat('date', { type: 'string', validate: isDate });
  const validators = new Map<string, ValidateFunction>();
  const counts: Record<string, number> = {};
  const recordsPerStream: Record<string, number> = {};
  const problems: string[] = [];
  let lastState: unknown = null;
  const problem = (text: string) => {
    if (problems.length < maxProblems) problems.push(text);
  };
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    let message: Record<string, unknown>;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      message = parsed as Record<string, unknown>;
    } catch {
      problem(`${where} is not a JSON object: ${line.slice(0, 120)}`);
      return;
    }
    const type = typeof message.type === 'string' ? message.type.toUpperCase() : null;
    if (!type) {
      problem(`${where} has no type`);
      return;
    }
    counts[type] = (counts[type] ?? 0) + 1;
    const missing = (REQUIRED[type] ?? []).filter((key) => !(key in message));
    if (missing.length > 0) problem(`${where}: ${type} without ${missing.join(', ')}`);
    const stream = String(message.stream);
    if (type === 'SCHEMA') {
      try {
        validators.set(stream, ajv.compile(message.schema as object));
      } catch (error) {
        problem(`${where}: the schema of ${stream} does not compile: ${(error as Error).message}`);
      }
    } else if (type === 'RECORD') {
      const validate = validators.get(stream);
      if (!validate) {
        problem(`${where}: I saw a record for stream ${stream} before the schema`);
        return;
      }
      recordsPerStream[stream] = (recordsPerStream[stream] ?? 0) + 1;
      if (!validate(message.record)) {
        const error = validate.errors?.[0];
        const value = error?.instancePath
          ? error.instancePath
              .split('/')
              .slice(1)
              .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], message.record)
          : undefined;
        problem(
          `${where}: a ${stream} record does not validate: ${error?.instancePath} ${error?.message} (value ${JSON.stringify(value)})`,
        );
      }
      if ('time_extracted' in message && !isStrictRfc3339(String(message.time_extracted))) {
        problem(`${where}: time_extracted is not RFC 3339: ${String(message.time_extracted)}`);
      }
    } else if (type === 'STATE') {
      lastState = message.value;
    } else if (type === 'ACTIVATE_VERSION' && !Number.isInteger(message.version)) {
      problem(`${where}: ACTIVATE_VERSION version is not an integer`);
    }
  });
  return { counts, recordsPerStream, lastState, problems };
}
