/**
 * Salesforce field type → JSON Schema, one table. Pure.
 *
 * Dates and date-times are typed `{"type": ["null", "string"], "format": "date" | "date-time"}` rather than the
 * Python taps' `anyOf: [{format: date-time}, {string, null}]`: the sync engine always emits RFC 3339 values
 * (`2024-01-31T12:34:56.000Z`, `2024-01-31`), so the fallback branch is never needed, and targets that read
 * `format` only on a plain string schema (most SQL targets) create TIMESTAMP / DATE columns instead of text.
 */
import type { ApiType } from '../config.js';
import type { FieldDescribe } from '../salesforce/describe.js';
import type { JsonSchema } from '../singer/catalog.js';

export interface FieldMapping {
  schema: JsonSchema;
  /** Why the tap cannot replicate the field (`inclusion: unsupported`); null when it can. */
  unsupported: string | null;
}

const nullable = (type: string, extra: JsonSchema = {}): JsonSchema => ({ type: ['null', type], ...extra });

const STRING = nullable('string');
const NUMBER = nullable('number');

/** The properties of a compound address value, as REST returns them (each may be null). */
export const ADDRESS_PROPERTIES: Record<string, JsonSchema> = {
  city: STRING,
  country: STRING,
  countryCode: STRING,
  geocodeAccuracy: STRING,
  latitude: NUMBER,
  longitude: NUMBER,
  postalCode: STRING,
  state: STRING,
  stateCode: STRING,
  street: STRING,
};

export const LOCATION_PROPERTIES: Record<string, JsonSchema> = { latitude: NUMBER, longitude: NUMBER };

const supported = (schema: JsonSchema): FieldMapping => ({ schema, unsupported: null });
const unsupported = (reason: string, schema: JsonSchema = {}): FieldMapping => ({
  schema,
  unsupported: reason,
});

/** Every field type Salesforce documents (Schema.DisplayType, lower-cased as describe spells it). */
export const TYPE_TABLE: Readonly<Record<string, FieldMapping>> = {
  // The record id; Salesforce never returns a row without one.
  id: supported({ type: 'string' }),
  string: supported(STRING),
  textarea: supported(STRING),
  picklist: supported(STRING),
  // Values joined with ';'.
  multipicklist: supported(STRING),
  combobox: supported(STRING),
  email: supported(STRING),
  phone: supported(STRING),
  url: supported(STRING),
  reference: supported(STRING),
  encryptedstring: supported(STRING),
  datacategorygroupreference: supported(STRING),
  masterrecord: supported(STRING),
  // `HH:MM:SS.sssZ`; no `format`, which targets would read as a zone-less clock time.
  time: supported(STRING),
  boolean: supported(nullable('boolean')),
  int: supported(nullable('integer')),
  long: supported(nullable('integer')),
  double: supported(NUMBER),
  currency: supported(NUMBER),
  percent: supported(NUMBER),
  date: supported(nullable('string', { format: 'date' })),
  datetime: supported(nullable('string', { format: 'date-time' })),
  address: supported(nullable('object', { additionalProperties: false, properties: ADDRESS_PROPERTIES })),
  location: supported(nullable('object', { additionalProperties: false, properties: LOCATION_PROPERTIES })),
  // Any of string, boolean, number, date… (History OldValue/NewValue): no constraint at all.
  anytype: supported({}),
  complexvalue: supported({}),
  base64: unsupported(
    'binary data: REST queries return a URL to the blob instead of its content, and the Bulk API refuses base64 fields',
    STRING,
  ),
  byte: unsupported('binary data is not replicated'),
  json: unsupported(
    'json fields are not replicated: their values have no fixed shape to put in a schema',
    STRING,
  ),
  floatarray: unsupported('float arrays are reserved by Salesforce for future use and have no defined shape'),
};

/** Types of compound fields, which the Bulk APIs cannot select (their component fields can). */
export const COMPOUND_TYPES = new Set(['address', 'location']);

/** Fields a Bulk query refuses although describe lists them, as `Object.Field`. */
export const BULK_UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
  'EntityDefinition.RecordTypesSupported': 'this field is not supported by the Bulk API',
};

/** The JSON Schema for a Salesforce type and whether the tap can replicate it; never throws. */
export function mapFieldType(type: string): FieldMapping {
  const mapping = TYPE_TABLE[type.toLowerCase()];
  if (mapping) return mapping;
  return unsupported(`unknown Salesforce field type '${type}'`);
}

/** The mapping for one field of an object, with the API's own restrictions applied. */
export function mapField(object: string, field: FieldDescribe, apiType: ApiType): FieldMapping {
  const mapping = mapFieldType(field.type);
  if (mapping.unsupported || apiType !== 'BULK') return mapping;
  if (COMPOUND_TYPES.has(field.type.toLowerCase())) {
    return unsupported(
      'the Bulk API cannot select compound fields; select their component fields instead',
      mapping.schema,
    );
  }
  const bulkReason = BULK_UNSUPPORTED_FIELDS[`${object}.${field.name}`];
  if (bulkReason) return unsupported(bulkReason, mapping.schema);
  return mapping;
}
