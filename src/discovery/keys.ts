/** Primary key and replication key of an object. Pure. */
import type { FieldDescribe } from '../salesforce/describe.js';

/** In order of preference: `SystemModstamp` moves on every change, system ones included. */
export const REPLICATION_KEY_CANDIDATES: readonly string[] = [
  'SystemModstamp',
  'LastModifiedDate',
  'CreatedDate',
];

/** Objects keyed by another field than `Id`. */
const KEY_OVERRIDES: Readonly<Record<string, string>> = {
  // Real-time event monitoring: the event's own identifier is the stable key.
  LightningUriEvent: 'EventIdentifier',
};

/** Extra candidates for objects without the usual stamps. */
const EXTRA_REPLICATION_KEYS: Readonly<Record<string, string>> = {
  LoginHistory: 'LoginTime',
};

/**
 * Objects that cannot be filtered or ordered by their stamp, or whose incremental sync misbehaved in the
 * singer-io and MeltanoLabs taps: always replicated in full.
 */
export const FORCED_FULL_TABLE_OBJECTS: readonly string[] = [
  'ActivityFieldHistory',
  'ApiEvent',
  'BackgroundOperationResult',
  'BulkApiResultEventStore',
  'ExternalEncryptionRootKey',
  'FileEventStore',
  'IdentityProviderEventStore',
  'IdentityVerificationEvent',
  'LightningUriEvent',
  'ListViewEvent',
  'LoginAsEvent',
  'LoginEvent',
  'LogoutEvent',
  'PendingOrderSummary',
  'PermissionSetEventStore',
  'ReportEvent',
  'UriEvent',
];

const FORCED_FULL_TABLE = new Set(FORCED_FULL_TABLE_OBJECTS);

export function keyPropertyFor(object: string): string {
  return KEY_OVERRIDES[object] ?? 'Id';
}

export interface ReplicationChoice {
  /** The bookmark field, or null: the object is replicated in full every run. */
  replicationKey: string | null;
  /** Why the object is FULL_TABLE, when it is. */
  fullTableReason: string | null;
}

/** The first of SystemModstamp, LastModifiedDate, CreatedDate (LoginTime for LoginHistory) the object has. */
export function chooseReplicationKey(object: string, fields: readonly FieldDescribe[]): ReplicationChoice {
  if (FORCED_FULL_TABLE.has(object)) {
    return { replicationKey: null, fullTableReason: 'known not to replicate incrementally' };
  }
  const datetimes = new Set(fields.filter((f) => f.type === 'datetime').map((f) => f.name));
  const extra = EXTRA_REPLICATION_KEYS[object];
  const candidates = extra ? [...REPLICATION_KEY_CANDIDATES, extra] : REPLICATION_KEY_CANDIDATES;
  const replicationKey = candidates.find((name) => datetimes.has(name)) ?? null;
  return {
    replicationKey,
    fullTableReason: replicationKey ? null : 'no SystemModstamp, LastModifiedDate or CreatedDate field',
  };
}
