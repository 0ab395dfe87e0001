/**
 * The one table of config settings. `schemas/config.schema.json`, `--about`, the README's configuration table
 * and (later) the Meltano plugin definition are all generated from it, so they cannot disagree.
 * Pure: no I/O.
 */

/** Meltano's setting kinds (the subset this tap uses). `password` marks a secret string. */
export type SettingKind =
  | 'string'
  | 'password'
  | 'integer'
  | 'decimal'
  | 'boolean'
  | 'date_iso8601'
  | 'options'
  | 'array';

export type SettingValue = string | number | boolean | string[] | null;

export type SettingGroup = 'connection' | 'credentials' | 'selection' | 'sync' | 'quota' | 'http' | 'bulk';

export interface Setting {
  /** The config key, snake_case as in the Python Salesforce taps. */
  readonly name: string;
  /** Other keys accepted with exactly the same meaning. */
  readonly aliases: readonly string[];
  readonly kind: SettingKind;
  /** For `options`: the accepted values (case-insensitive). */
  readonly options?: readonly string[];
  /** Used when the key is absent, null or "". `null` = no value. */
  readonly default: SettingValue;
  readonly secret: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  /** Numbers only: the minimum itself is not allowed. */
  readonly exclusiveMinimum?: boolean;
  readonly group: SettingGroup;
  readonly label: string;
  /** One or two sentences, plain text (it is shown in --about, the README and the schema). */
  readonly description: string;
}

export const SETTINGS: readonly Setting[] = [
  // Connection
  {
    name: 'domain',
    aliases: [],
    kind: 'string',
    default: 'login',
    secret: false,
    group: 'connection',
    label: 'Login domain',
    description:
      'Where to log in: `login` (production), `test` (sandbox), a My Domain prefix (`acme.my`, `acme--uat.sandbox.my`), a full host (`acme.my.salesforce.com`) or an `https://` URL. `http://` is accepted only for loopback hosts (tests).',
  },
  {
    name: 'is_sandbox',
    aliases: [],
    kind: 'boolean',
    default: false,
    secret: false,
    group: 'connection',
    label: 'Sandbox',
    description:
      'Legacy spelling of `domain: test`. With a My Domain in `domain`, the My Domain is used. The strings "true"/"false" are accepted.',
  },
  {
    name: 'api_type',
    aliases: [],
    kind: 'options',
    options: ['REST', 'BULK'],
    default: 'REST',
    secret: false,
    group: 'connection',
    label: 'API type',
    description:
      'REST (`queryAll`, paged JSON) or BULK (Bulk API jobs, CSV results; see `bulk_api_version`). Case-insensitive; `BULK2` is read as BULK with Bulk API 2.0.',
  },
  {
    name: 'api_version',
    aliases: [],
    kind: 'string',
    default: '64.0',
    secret: false,
    group: 'connection',
    label: 'API version',
    description:
      'Salesforce API version, e.g. `64.0` (`64` and `v64.0` are accepted). Password login uses SOAP `login()`, which exists only up to 64.0; the OAuth flows also work with 65.0 and later.',
  },
  // Credentials
  {
    name: 'client_id',
    aliases: [],
    kind: 'string',
    default: null,
    secret: false,
    group: 'credentials',
    label: 'Client ID',
    description:
      'Consumer key of the connected app / External Client App. With `client_secret` and `refresh_token`: the OAuth refresh-token flow; with `client_secret` alone: the client-credentials flow (needs a My Domain in `domain`).',
  },
  {
    name: 'client_secret',
    aliases: [],
    kind: 'password',
    default: null,
    secret: true,
    group: 'credentials',
    label: 'Client secret',
    description: 'Consumer secret of the app.',
  },
  {
    name: 'refresh_token',
    aliases: [],
    kind: 'password',
    default: null,
    secret: true,
    group: 'credentials',
    label: 'Refresh token',
    description:
      'OAuth refresh token. When Salesforce rotates it, the new one is written back to the config file.',
  },
  {
    name: 'username',
    aliases: [],
    kind: 'string',
    default: null,
    secret: false,
    group: 'credentials',
    label: 'Username',
    description:
      'Legacy password login (SOAP `login()`, retired by Salesforce in Summer 2027). With `client_id` and `client_secret` too, the OAuth username-password grant is used instead.',
  },
  {
    name: 'password',
    aliases: [],
    kind: 'password',
    default: null,
    secret: true,
    group: 'credentials',
    label: 'Password',
    description: "The user's password (without the security token).",
  },
  {
    name: 'security_token',
    aliases: [],
    kind: 'password',
    default: null,
    secret: true,
    group: 'credentials',
    label: 'Security token',
    description:
      "Appended to the password at login. Optional: needed from outside the org's trusted IP ranges, which is the usual case.",
  },
  // Selection and sync
  {
    name: 'start_date',
    aliases: [],
    kind: 'date_iso8601',
    default: null,
    secret: false,
    group: 'sync',
    label: 'Start date',
    description:
      'Earliest replication-key value to sync when a stream has no bookmark. Any ISO-8601 date or date-time (`2024-01-01`, `2024-01-01T00:00:00Z`, `…+02:00`), normalised to UTC. Unset: all history.',
  },
  {
    name: 'select_fields_by_default',
    aliases: [],
    kind: 'boolean',
    default: true,
    secret: false,
    group: 'selection',
    label: 'Select fields by default',
    description:
      'Fields of a selected stream with no `selected` metadata of their own are synced. The strings "true"/"false" are accepted.',
  },
  {
    name: 'streams',
    aliases: ['streams_to_discover'],
    kind: 'array',
    default: null,
    secret: false,
    group: 'selection',
    label: 'Streams',
    description:
      'Objects to discover (list of API names, or a comma-separated string). Unset: every queryable object.',
  },
  {
    name: 'threshold',
    aliases: ['state_message_threshold'],
    kind: 'integer',
    default: 1000,
    minimum: 1,
    secret: false,
    group: 'sync',
    label: 'STATE threshold',
    description: 'Emit a STATE message every this many records (and at the end of each stream).',
  },
  {
    name: 'lookback_window',
    aliases: [],
    kind: 'integer',
    default: 0,
    minimum: 0,
    secret: false,
    group: 'sync',
    label: 'Lookback window (seconds)',
    description:
      'Seconds subtracted from a saved bookmark (never from `start_date`) to re-read rows committed late.',
  },
  {
    name: 'max_workers',
    aliases: [],
    kind: 'integer',
    default: 1,
    minimum: 1,
    maximum: 16,
    secret: false,
    group: 'sync',
    label: 'Parallel streams',
    description:
      'Streams synced at the same time. 1 keeps runs ordered and resumable stream by stream; 2–4 help orgs with many small objects. Salesforce allows few concurrent long requests per org (5 in developer orgs).',
  },
  {
    name: 'rest_page_workers',
    aliases: [],
    kind: 'integer',
    default: null,
    minimum: 0,
    maximum: 8,
    secret: false,
    group: 'sync',
    label: 'REST page workers',
    description:
      'Threads that turn REST query pages into Singer lines while the main thread fetches the next page. Unset: one per CPU, at most 3; 0 converts every page on the main thread.',
  },
  // Quota
  {
    name: 'quota_percent_total',
    aliases: [],
    kind: 'decimal',
    default: 80,
    minimum: 0,
    exclusiveMinimum: true,
    maximum: 100,
    secret: false,
    group: 'quota',
    label: 'Quota: org total (%)',
    description:
      "Stop (exit 2, state saved) once the org's daily API usage passes this percentage of its limit.",
  },
  {
    name: 'quota_percent_per_run',
    aliases: [],
    kind: 'decimal',
    default: 25,
    minimum: 0,
    exclusiveMinimum: true,
    maximum: 100,
    secret: false,
    group: 'quota',
    label: 'Quota: per run (%)',
    description:
      "Stop (exit 2, state saved) once this run has used this percentage of the org's daily limit.",
  },
  {
    name: 'quota_exit_success',
    aliases: [],
    kind: 'boolean',
    default: false,
    secret: false,
    group: 'quota',
    label: 'Quota stop exits 0',
    description:
      'When a quota guard stops the run, exit 0 instead of 2 (state is saved either way): for cron jobs that resume next time.',
  },
  // HTTP
  {
    name: 'request_timeout_seconds',
    aliases: [],
    kind: 'integer',
    default: 300,
    minimum: 1,
    secret: false,
    group: 'http',
    label: 'Request timeout (seconds)',
    description: 'Timeout of one HTTP request.',
  },
  {
    name: 'max_attempts',
    aliases: [],
    kind: 'integer',
    default: 8,
    minimum: 1,
    maximum: 50,
    secret: false,
    group: 'http',
    label: 'Attempts per request',
    description:
      'Tries per request, the first included, on network errors, timeouts, 5xx, 429 and lock contention. With the default backoff, 8 attempts ride out about three minutes of trouble.',
  },
  {
    name: 'retry_backoff_base_ms',
    aliases: [],
    kind: 'integer',
    default: 1000,
    minimum: 0,
    secret: false,
    group: 'http',
    label: 'Retry backoff base (ms)',
    description: 'First retry delay; it doubles each attempt (with jitter).',
  },
  {
    name: 'retry_backoff_max_ms',
    aliases: [],
    kind: 'integer',
    default: 60000,
    minimum: 0,
    secret: false,
    group: 'http',
    label: 'Retry backoff cap (ms)',
    description: 'Longest delay between two attempts.',
  },
  // Bulk
  {
    name: 'bulk_api_version',
    aliases: [],
    kind: 'options',
    options: ['2.0', '1.0'],
    default: '2.0',
    secret: false,
    group: 'bulk',
    label: 'Bulk API version',
    description:
      'With `api_type: BULK`: Bulk API 2.0 (query jobs, locator-paged CSV) or Bulk API 1.0 (batches, PK chunking).',
  },
  {
    name: 'bulk_poll_timeout_seconds',
    aliases: [],
    kind: 'integer',
    default: 3600,
    minimum: 1,
    secret: false,
    group: 'bulk',
    label: 'Bulk job timeout (seconds)',
    description:
      'Longest wait for one Bulk job to finish before the stream fails; raise it for very large objects.',
  },
  {
    name: 'bulk_max_records',
    aliases: [],
    kind: 'integer',
    default: 100000,
    minimum: 1,
    secret: false,
    group: 'bulk',
    label: 'Bulk 2.0 page size',
    description: 'Rows per Bulk 2.0 result page (`maxRecords`); bounds memory per page.',
  },
  {
    name: 'bulk_parallel_downloads',
    aliases: [],
    kind: 'integer',
    default: 2,
    minimum: 1,
    maximum: 8,
    secret: false,
    group: 'bulk',
    label: 'Bulk parallel downloads',
    description: 'Result pages downloaded ahead of the one being written.',
  },
  {
    name: 'bulk_line_worker',
    aliases: [],
    kind: 'boolean',
    default: true,
    secret: false,
    group: 'bulk',
    label: 'Bulk conversion thread',
    description:
      'Turn Bulk result rows into Singer lines in a worker thread while the main thread downloads (used with 2 or more CPUs): faster, at ~50 MB more memory.',
  },
  {
    name: 'bulk_gzip',
    aliases: [],
    kind: 'boolean',
    default: true,
    secret: false,
    group: 'bulk',
    label: 'Gzip Bulk results',
    description: 'Ask for gzip-compressed Bulk results.',
  },
  {
    name: 'pk_chunking',
    aliases: [],
    kind: 'boolean',
    default: true,
    secret: false,
    group: 'bulk',
    label: 'PK chunking (Bulk 1.0)',
    description:
      'Bulk 1.0 only: split large queries by record Id ranges (`Sforce-Enable-PKChunking`). Bulk 2.0 chunks by itself.',
  },
  {
    name: 'chunk_size',
    aliases: [],
    kind: 'integer',
    default: 100000,
    minimum: 0,
    maximum: 250000,
    secret: false,
    group: 'bulk',
    label: 'PK chunk size',
    description: 'Records per PK chunk (Bulk 1.0), at most 250000; 0 means the default.',
  },
];

/** Setting by config key or alias. */
export function findSetting(key: string): Setting | undefined {
  return SETTINGS.find((s) => s.name === key || s.aliases.includes(key));
}

export function settingByName(name: string): Setting {
  const setting = SETTINGS.find((s) => s.name === name);
  if (!setting) throw new Error(`unknown setting ${name}`);
  return setting;
}

/** The JSON type of a setting's normalised value. */
export function jsonType(setting: Setting): 'string' | 'integer' | 'number' | 'boolean' | 'array' {
  switch (setting.kind) {
    case 'integer':
      return 'integer';
    case 'decimal':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'array';
    default:
      return 'string';
  }
}

/** A JSON Schema (draft-07) fragment. */
export type SchemaNode = { [keyword: string]: unknown };

const caseInsensitive = (word: string): string =>
  [...word]
    .map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c.replace('.', '\\.')))
    .join('');

function rangeKeywords(setting: Setting): SchemaNode {
  const out: SchemaNode = {};
  if (setting.minimum !== undefined) {
    if (setting.exclusiveMinimum) out.exclusiveMinimum = setting.minimum;
    else out.minimum = setting.minimum;
  }
  if (setting.maximum !== undefined) out.maximum = setting.maximum;
  return out;
}

/**
 * What a config file may hold for a setting: its value in the proper JSON type, or (as the Python taps
 * and orchestrators that template values produce) the same as a string; null or "" means unset.
 */
function inputSchema(setting: Setting): SchemaNode {
  const meta: SchemaNode = { description: setting.description };
  if (setting.default !== null) meta.default = setting.default;
  if (setting.secret) meta.writeOnly = true;
  const unset = [{ type: 'null' }, { const: '' }];
  switch (setting.kind) {
    case 'boolean':
      return {
        ...meta,
        anyOf: [
          { type: 'boolean' },
          { type: 'string', pattern: `^(${caseInsensitive('true')}|${caseInsensitive('false')})$` },
          ...unset,
        ],
      };
    case 'integer':
      return {
        ...meta,
        anyOf: [
          { type: 'integer', ...rangeKeywords(setting) },
          { type: 'string', pattern: '^\\s*-?\\d+\\s*$' },
          ...unset,
        ],
      };
    case 'decimal':
      return {
        ...meta,
        anyOf: [
          { type: 'number', ...rangeKeywords(setting) },
          { type: 'string', pattern: '^\\s*-?(\\d+\\.?\\d*|\\.\\d+)\\s*$' },
          ...unset,
        ],
      };
    case 'options': {
      const words = (setting.options ?? []).map(caseInsensitive);
      if (setting.name === 'api_type') words.push(caseInsensitive('BULK2'));
      return { ...meta, anyOf: [{ type: 'string', pattern: `^(${words.join('|')})$` }, ...unset] };
    }
    case 'array':
      return {
        ...meta,
        anyOf: [
          { type: 'array', items: { type: 'string', minLength: 1 } },
          { type: 'string' },
          { type: 'null' },
        ],
      };
    case 'date_iso8601':
      return { ...meta, anyOf: [{ type: 'string' }, { type: 'null' }] };
    default:
      if (setting.name === 'api_version') {
        return {
          ...meta,
          anyOf: [
            { type: 'string', pattern: '^\\s*[vV]?\\d+(\\.0)?\\s*$' },
            { type: 'integer', minimum: 1 },
            ...unset,
          ],
        };
      }
      return { ...meta, anyOf: [{ type: 'string' }, { type: 'null' }] };
  }
}

/** The schema of a config file, as published in `schemas/config.schema.json`. */
export function buildConfigSchema(): SchemaNode {
  const properties: Record<string, SchemaNode> = {};
  for (const setting of SETTINGS) {
    properties[setting.name] = inputSchema(setting);
    for (const alias of setting.aliases) {
      const { default: _default, ...node } = inputSchema(setting);
      properties[alias] = { ...node, description: `Alias of \`${setting.name}\`.` };
    }
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'tap-salesforce config',
    description:
      'Config file of tap-salesforce. Generated from src/settings.ts (npm run generate); do not edit by hand. Keys not listed are ignored with a warning.',
    type: 'object',
    properties,
    additionalProperties: true,
  };
}

/** The `settings` object of `--about --format json`: a JSON Schema of the normalised values (Meltano convention). */
export function buildAboutSettings(): SchemaNode {
  const properties: Record<string, SchemaNode> = {};
  for (const setting of SETTINGS) {
    const node: SchemaNode = {
      type: jsonType(setting),
      title: setting.label,
      description: setting.description,
    };
    if (setting.kind === 'array') node.items = { type: 'string' };
    if (setting.kind === 'date_iso8601') node.format = 'date-time';
    if (setting.options) node.enum = [...setting.options];
    if (setting.default !== null) node.default = setting.default;
    Object.assign(node, rangeKeywords(setting));
    if (setting.secret) node.secret = true;
    if (setting.secret) node.writeOnly = true;
    if (setting.aliases.length > 0) node.aliases = [...setting.aliases];
    node.kind = setting.kind;
    properties[setting.name] = node;
  }
  return { type: 'object', properties, required: [] };
}

/** The credential sets, in the order they are recognised (see README "Credentials"). */
export const CREDENTIAL_SETS = [
  { flow: 'refresh_token', keys: ['client_id', 'client_secret', 'refresh_token'] },
  { flow: 'password', keys: ['username', 'password'] },
  { flow: 'client_credentials', keys: ['client_id', 'client_secret'] },
] as const;

function formatDefault(setting: Setting): string {
  if (setting.default === null) return '';
  if (Array.isArray(setting.default)) return setting.default.join(', ');
  if (typeof setting.default === 'string') return `\`${setting.default}\``;
  return `\`${String(setting.default)}\``;
}

/** The Markdown configuration table (README, `--about --format markdown`). */
export function renderSettingsTable(): string {
  const rows = ['| key | aliases | type | default | secret | meaning |', '|---|---|---|---|---|---|'];
  for (const s of SETTINGS) {
    const type = s.options ? `${s.kind}: ${s.options.join(' \\| ')}` : s.kind;
    const aliases = s.aliases.map((a) => `\`${a}\``).join(', ');
    const description = s.description.replace(/\|/g, '\\|');
    rows.push(
      `| \`${s.name}\` | ${aliases} | ${type} | ${formatDefault(s)} | ${s.secret ? 'yes' : ''} | ${description} |`,
    );
  }
  return rows.join('\n');
}
