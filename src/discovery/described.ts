/** What `--discover` makes of one describe, wherever it runs: pure, so the describe thread runs it too. */
import type { ApiType } from '../config.js';
import { describedIn, parseBatchAnswer, type Subresult } from '../salesforce/batch-answer.js';
import type { ReadSubresult, SObjectDescribe } from '../salesforce/describe.js';
import { buildCatalogEntry, renderEntry } from './catalog.js';
import { describedExclusionReason } from './exclusions.js';
import { keyPropertyFor } from './keys.js';

export interface DescribedSetup {
  apiType: ApiType;
  selectFieldsByDefault: boolean;
}

/** A catalog entry as `renderEntry` writes it, in UTF-8; or why the object is left out. */
export type DescribedObject =
  | { kind: 'entry'; id: string; bytes: Uint8Array }
  | { kind: 'skipped'; object: string; reason: string };

const encoder = new TextEncoder();

/** Why `describe` is left out of the catalog, or null. */
export function skipReason(describe: SObjectDescribe, customSettings: ReadonlySet<string>): string | null {
  return describedExclusionReason(describe, customSettings, keyPropertyFor(describe.name));
}

/**
 * `describe` as it goes into `--discover`'s catalog; the entry's bytes have a buffer of their own.
 * `customSettings`: the org's custom settings (describeGlobal's `customSetting`).
 */
export function describedObject(
  describe: SObjectDescribe,
  setup: DescribedSetup,
  customSettings: ReadonlySet<string>,
): DescribedObject {
  const reason = skipReason(describe, customSettings);
  if (reason) return { kind: 'skipped', object: describe.name, reason };
  const entry = buildCatalogEntry(describe, {
    apiType: setup.apiType,
    selectFieldsByDefault: setup.selectFieldsByDefault,
    copySchemas: false,
  });
  return { kind: 'entry', id: entry.tap_stream_id, bytes: encoder.encode(renderEntry(entry)) };
}

/**
 * A composite answer as `--discover` reads it: each describe as it goes into the catalog, every other
 * subresult as sent. Throws, as `parseBatchAnswer` does, on a body that is not an answer.
 */
export function readAnswer(
  body: Buffer,
  setup: DescribedSetup,
  customSettings: ReadonlySet<string>,
): ReadSubresult<DescribedObject>[] {
  return parseBatchAnswer(body).results.map((subresult) => {
    const describe = describedIn(subresult);
    return describe
      ? { converted: describedObject(describe, setup, customSettings) }
      : (subresult as Subresult);
  });
}
