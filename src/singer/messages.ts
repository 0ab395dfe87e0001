/** Singer messages as they go on the wire (snake_case names), and their one-line JSON forms. */
import type { JsonSchema } from './catalog.js';
import type { TapState } from './state.js';

export interface SchemaMessage {
  type: 'SCHEMA';
  stream: string;
  schema: JsonSchema;
  key_properties: string[];
  bookmark_properties?: string[];
}

export interface RecordMessage {
  type: 'RECORD';
  stream: string;
  record: Record<string, unknown>;
  version?: number;
  time_extracted?: string;
}

export interface StateMessage {
  type: 'STATE';
  value: TapState;
}

export interface ActivateVersionMessage {
  type: 'ACTIVATE_VERSION';
  stream: string;
  version: number;
}

export type SingerMessage = SchemaMessage | RecordMessage | StateMessage | ActivateVersionMessage;

export function schemaMessage(
  stream: string,
  schema: JsonSchema,
  keyProperties: string[],
  bookmarkProperties: string[] | null,
): SchemaMessage {
  const message: SchemaMessage = { type: 'SCHEMA', stream, schema, key_properties: keyProperties };
  if (bookmarkProperties && bookmarkProperties.length > 0) message.bookmark_properties = bookmarkProperties;
  return message;
}

export function stateMessage(value: TapState): StateMessage {
  return { type: 'STATE', value };
}

export function activateVersionMessage(stream: string, version: number): ActivateVersionMessage {
  return { type: 'ACTIVATE_VERSION', stream, version };
}

/** One message as one line, newline included. */
export function line(message: SingerMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * The fixed head of every RECORD line of one batch, so each record costs one JSON.stringify of the record
 * itself: `recordPrefix(...) + JSON.stringify(record) + '}\n'` is the RECORD message's line.
 */
export function recordPrefix(stream: string, timeExtracted: string, version: number | null): string {
  const versionPart = version === null ? '' : `,"version":${version}`;
  return `{"type":"RECORD","stream":${JSON.stringify(stream)}${versionPart},"time_extracted":${JSON.stringify(timeExtracted)},"record":`;
}

export const RECORD_SUFFIX = '}\n';
