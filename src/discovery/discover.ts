import type { TapConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SalesforceClient } from '../salesforce/client.js';
import { describeGlobal, describeObjects, type GlobalSObject } from '../salesforce/describe.js';
import type { Catalog, CatalogStream } from '../singer/catalog.js';
import { buildCatalogEntry, catalogParts, compareNames, renderEntry } from './catalog.js';
import { DescribeThread, describeThreadUseful } from './describe-thread.js';
import { type DescribedObject, skipReason } from './described.js';
import { exclusionReason } from './exclusions.js';

export interface DiscoveryOptions {
  config: TapConfig;
  client: SalesforceClient;
  logger: Logger;
  /** Composite describe calls in flight. */
  concurrency?: number;
  /** `--discover` only: read the describes in a worker thread too (default: when the org is large enough). */
  describeThread?: boolean;
}

/**
 * Enumerates the org's replicable objects, describes them and builds the Singer catalog.
 * Cost: describeGlobal plus one composite call per 25 objects.
 * @throws ConfigError when `streams` names objects the org does not have.
 */
export async function runDiscovery(options: DiscoveryOptions): Promise<Catalog> {
  const entries = await discover(options, (entry) => entry);
  return { streams: entries };
}

/**
 * The catalog as `--discover` prints it, in UTF-8 pieces to write in order: `JSON.stringify(catalog, null, 2)`
 * and a newline, byte for byte. Each entry is built, serialised and encoded as soon as its describe arrives,
 * while the other batches are still on the way, so only the last batch's entries are left after the last answer.
 */
export async function runDiscoveryJson(options: DiscoveryOptions): Promise<Buffer[]> {
  const entries = await discover(
    options,
    (entry) => Buffer.from(renderEntry(entry)),
    false,
    (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  );
  return catalogParts(entries);
}

/**
 * Describes the candidates and turns each describe into `make(entry)` as its batch arrives; sorted by stream.
 * With `encoded` (how to take an entry's text already in UTF-8), a worker thread may read the describes too.
 */
async function discover<T>(
  options: DiscoveryOptions,
  make: (entry: CatalogStream) => T,
  copySchemas = true,
  encoded?: (bytes: Uint8Array) => T,
): Promise<T[]> {
  const { config, client, logger } = options;
  const started = performance.now();
  const callsBefore = client.usage.callsThisRun;
  const threaded = encoded !== undefined && (options.describeThread ?? describeThreadUseful(config.streams));
  const thread = threaded
    ? new DescribeThread({ apiType: config.apiType, selectFieldsByDefault: config.selectFieldsByDefault })
    : null;
  try {
    const global = await describeGlobal(client);
    const globalDone = performance.now();
    const candidates = pickObjects(global.sobjects, config, logger);
    const customSettings = new Set(global.sobjects.filter((o) => o.customSetting).map((o) => o.name));
    thread?.configure([...customSettings]);
    const entryOptions = {
      apiType: config.apiType,
      selectFieldsByDefault: config.selectFieldsByDefault,
      copySchemas,
    };

    const built: Array<{ id: string; value: T }> = [];
    let buildMs = 0;
    const skip = (object: string, reason: string) => logger.info({ object }, `skipping ${object}: ${reason}`);
    const outcome = await describeObjects<DescribedObject>(
      client,
      candidates.map((o) => o.name),
      {
        logger,
        concurrency: options.concurrency,
        onDescribe: (describe) => {
          const from = performance.now();
          const reason = skipReason(describe, customSettings);
          if (reason) skip(describe.name, reason);
          else {
            const entry = buildCatalogEntry(describe, entryOptions);
            built.push({ id: entry.tap_stream_id, value: make(entry) });
          }
          buildMs += performance.now() - from;
        },
        ...(thread && encoded
          ? {
              reader: thread,
              onConverted: (described: DescribedObject) => {
                if (described.kind === 'skipped') skip(described.object, described.reason);
                else built.push({ id: described.id, value: encoded(described.bytes) });
              },
            }
          : {}),
      },
    );

    const describeDone = performance.now();
    // The catalog, streams in tap_stream_id order: the same org gives the same bytes.
    built.sort((a, b) => compareNames(a.id, b.id));
    logger.info(
      {
        streams: built.length,
        orgObjects: global.sobjects.length,
        describeFailures: outcome.failures.length,
        apiCalls: client.usage.callsThisRun - callsBefore,
        wallMs: Math.round(performance.now() - started),
        describeGlobalMs: Math.round(globalDone - started),
        describeMs: Math.round(describeDone - globalDone),
        buildMs: Math.round(buildMs + performance.now() - describeDone),
        ...(thread ? { answersInWorker: thread.answersInWorker } : {}),
      },
      `discovered ${built.length} streams`,
    );
    return built.map((b) => b.value);
  } finally {
    // Not awaited: the worker's end need not hold up the catalog.
    thread?.close().catch(() => {});
  }
}

/** Queryable, non-denied objects, limited to `streams` when given (matched case-insensitively). */
function pickObjects(sobjects: readonly GlobalSObject[], config: TapConfig, logger: Logger): GlobalSObject[] {
  let pool = [...sobjects].sort((a, b) => compareNames(a.name, b.name));
  const named = config.streams !== null;
  if (config.streams) {
    const byName = new Map(pool.map((o) => [o.name.toLowerCase(), o]));
    const missing = config.streams.filter((name) => !byName.has(name.toLowerCase()));
    if (missing.length > 0) {
      throw new ConfigError(
        `streams: ${missing.length === 1 ? 'object' : 'objects'} not found in the org: ${missing.join(', ')}`,
      );
    }
    const wanted = new Set(config.streams.map((name) => name.toLowerCase()));
    pool = pool.filter((o) => wanted.has(o.name.toLowerCase()));
  }
  const kept: GlobalSObject[] = [];
  const skipped = new Map<string, number>();
  for (const sobject of pool) {
    const reason = exclusionReason(sobject, config.apiType);
    if (!reason) {
      kept.push(sobject);
      continue;
    }
    skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
    // Objects the user named are worth a warning; the org's hundreds of others are only counted.
    if (named) logger.warn({ object: sobject.name }, `skipping ${sobject.name}: ${reason}`);
    else logger.debug({ object: sobject.name }, `skipping ${sobject.name}: ${reason}`);
  }
  if (skipped.size > 0 && !named) {
    const summary = [...skipped.entries()].map(([reason, n]) => `${n} ${reason}`).join('; ');
    logger.info({ kept: kept.length }, `left out ${pool.length - kept.length} objects (${summary})`);
  }
  return kept;
}
