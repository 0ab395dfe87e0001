/**
 * Objects the tap does not replicate, each with the reason it is left out. Pure.
 *
 * The lists are the union of what singer-io/tap-salesforce and MeltanoLabs/tap-salesforce learned from real
 * orgs (see /work/shared/reference/ref-taps.md §3.2). Static lists go stale with every API version, so the
 * sync engine still skips an object that fails at query time instead of stopping the run.
 */
import type { ApiType } from '../config.js';
import type { GlobalSObject, SObjectDescribe } from '../salesforce/describe.js';

const RESTRICTED_REASON =
  'Salesforce only answers queries on it with a filter on a specific record or column (query-restricted)';
const INCOMPATIBLE_REASON = 'Salesforce does not support querying all of its rows (query-incompatible)';
const BULK_REASON = 'the Bulk API does not support it';

/** Need a WHERE clause naming a record, a parent or a reified column; an unfiltered query fails. */
export const QUERY_RESTRICTED_OBJECTS: readonly string[] = [
  'Announcement',
  'ApexTypeImplementor',
  'AppTabMember',
  'CollaborationGroupRecord',
  'ColorDefinition',
  'ContentDocumentLink',
  'ContentFolderItem',
  'ContentFolderMember',
  'DataStatistics',
  'DatacloudAddress',
  'DatacloudDandBCompany',
  'EntityParticle',
  'FieldDefinition',
  'FieldHistoryArchive',
  'FlexQueueItem',
  'FlowTestView',
  'FlowVariableView',
  'FlowVersionView',
  'IconDefinition',
  'IdeaComment',
  'NetworkUserHistoryRecent',
  'OwnerChangeOptionInfo',
  'PicklistValueInfo',
  'PlatformAction',
  'RecordActionHistory',
  'RelatedListColumnDefinition',
  'RelatedListDefinition',
  'RelationshipDomain',
  'RelationshipInfo',
  'SearchLayout',
  'SiteDetail',
  'UserEntityAccess',
  'UserFieldAccess',
  'Vote',
];

/** Answer "does not support query", "Getting all X is unsupported", or refuse LIMIT. */
export const QUERY_INCOMPATIBLE_OBJECTS: readonly string[] = [
  'ActivityHistory',
  'AggregateResult',
  'AttachedContentDocument',
  'AttachedContentNote',
  'CombinedAttachment',
  'ContentBody',
  'DataType',
  'EmailStatus',
  'FeedLike',
  'FeedSignal',
  'FeedTrackedChange',
  'FolderedContentDocument',
  'ListViewChartInstance',
  'LookedUpFromActivity',
  'Name',
  'NoteAndAttachment',
  'OpenActivity',
  'OutgoingEmail',
  'OutgoingEmailRelation',
  'OwnedContentDocument',
  'ProcessInstanceHistory',
  'QuoteTemplateRichTextData',
  'UserRecordAccess',
];

/** Bulk jobs on these fail with "Entity … is not supported by the Bulk API". */
export const BULK_UNSUPPORTED_OBJECTS: readonly string[] = [
  'AcceptedEventRelation',
  'AssetTokenEvent',
  'AttachedContentNote',
  'CaseStatus',
  'ContractStatus',
  'DeclinedEventRelation',
  'EventWhoRelation',
  'FieldSecurityClassification',
  'OrderStatus',
  'PartnerRole',
  'QuoteTemplateRichTextData',
  'RecentlyViewed',
  'ServiceAppointmentStatus',
  'ShiftStatus',
  'SolutionStatus',
  'TaskPriority',
  'TaskStatus',
  'TaskWhoRelation',
  'UndecidedEventRelation',
  'WorkOrderLineItemStatus',
  'WorkOrderStatus',
  'WorkStepStatus',
];

const RESTRICTED = new Set(QUERY_RESTRICTED_OBJECTS);
const INCOMPATIBLE = new Set(QUERY_INCOMPATIBLE_OBJECTS);
const BULK_UNSUPPORTED = new Set(BULK_UNSUPPORTED_OBJECTS);

/** Why an object named by describeGlobal is left out of the catalog, or null when it is kept. */
export function exclusionReason(sobject: GlobalSObject, apiType: ApiType): string | null {
  const { name } = sobject;
  // A name from the API that is not a SOQL identifier could not be queried safely (and may not be a string).
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
    return 'its name is not a SOQL identifier';
  if (!sobject.queryable) return 'not queryable';
  if (sobject.deprecatedAndHidden) return 'deprecated and hidden by Salesforce';
  // Change Data Capture events are delivered by the streaming API only; neither REST nor Bulk can query them.
  if (name.endsWith('ChangeEvent')) return 'change events can only be subscribed to, not queried';
  if (RESTRICTED.has(name)) return RESTRICTED_REASON;
  if (INCOMPATIBLE.has(name)) return INCOMPATIBLE_REASON;
  if (apiType === 'BULK' && BULK_UNSUPPORTED.has(name)) return BULK_REASON;
  return null;
}

/**
 * Why an object is left out once described, or null. Objects without an `Id` field cannot be keyed; `__Tag`
 * objects of custom settings are refused by the Bulk API ("Entity '01AA…Tag' is not supported") and hold no
 * business data.
 */
export function describedExclusionReason(
  describe: SObjectDescribe,
  customSettings: ReadonlySet<string>,
  keyField = 'Id',
): string | null {
  if (!describe.fields.some((f) => f.name === keyField)) return `it has no ${keyField} field`;
  if (describe.name.endsWith('__Tag')) {
    const item = describe.fields.find((f) => f.name === 'Item');
    if (item?.referenceTo?.some((target) => customSettings.has(target))) {
      return 'tags of a custom setting cannot be queried in bulk and hold no business data';
    }
  }
  return null;
}
