import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { boundName } from '../text/boundName.js';
import type { OperationDecision } from '../directives/decideOperation.js';
import type { RequestOutcome } from './requestOutcome.js';

/**
 * The audit event of a refused request: one stable JSON shape, written through the logger for a
 * SIEM, bounded in bytes whatever the request. Field names and meanings only ever grow (a new
 * optional field); a change of meaning gets a new `version`.
 */

/** The value of `event` in every audit event. */
export const AUDIT_EVENT_NAME = 'allow_clients.refusal';

/** The shape's version; bumped only when a field changes meaning. */
export const AUDIT_EVENT_VERSION = 1;

/** The most bytes one audit event takes as JSON (UTF-8). */
export const MAX_AUDIT_EVENT_BYTES = 4096;

/** The most coordinates one event lists; the rest are counted in `omittedCoordinates`. */
export const MAX_AUDIT_COORDINATES = 20;

/** The most UTF-8 bytes kept of a text field (client id, user id, operation name, rule), by `boundName`. */
const MAX_TEXT_BYTES = 200;
/** The bound used instead when the event would not fit otherwise (texts full of control characters). */
const MIN_TEXT_BYTES = 48;
/** Request ids are short tokens, else replaced by a fresh one by the server. */
const MAX_REQUEST_ID_BYTES = 64;
const MAX_CODE_BYTES = 64;

/** One denied field coordinate of an audit event. */
export interface AuditCoordinate {
  /** `Type.field`, from the schema. */
  readonly coordinate: string;
  /** `ERR_FORBIDDEN` or `ERR_UNAUTHENTICATED`. */
  readonly code: string;
  /** The rule that refused, as written in the schema (`@allowClients(ids: ["acme-gold"])`), or null. */
  readonly rule: string | null;
  /** How many selections of the operation landed on it. */
  readonly selections: number;
}

/** The audit event of one refused request. */
export interface AuditEvent {
  readonly event: typeof AUDIT_EVENT_NAME;
  readonly version: typeof AUDIT_EVENT_VERSION;
  /** The request id (the `x-request-id` the server answered with). */
  readonly requestId: string;
  /** Never `served`. */
  readonly outcome: Exclude<RequestOutcome, 'served'>;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The most precise code known: the library's (`ERR_TOKEN_EXPIRED`), else the GraphQL `extensions.code`. */
  readonly code: string;
  /** The OAuth client id; null for an anonymous or unauthenticated caller. */
  readonly clientId: string | null;
  readonly kind: 'machine' | 'user' | 'anonymous';
  /** The user's `sub`, present only for a user token. */
  readonly userId?: string;
  /** The operation's name as the document gives it, or null (anonymous, or not parsed yet). */
  readonly operationName: string | null;
  /** SHA-256 (hex) of the query text, as Apollo Server's `queryHash`; null without a query text. */
  readonly operationHash: string | null;
  /** The denied coordinates with their rules, in document order; empty for refusals not about fields. */
  readonly coordinates: readonly AuditCoordinate[];
  /** Denied coordinates not listed (past {@link MAX_AUDIT_COORDINATES} or the byte bound). */
  readonly omittedCoordinates: number;
  /** True when a text field was cut to fit (its value ends with `…(N chars)`, as `boundName` cuts). */
  readonly truncated: boolean;
}

/** What {@link createAuditEvent} is made from. */
export interface AuditInput {
  readonly requestId: string;
  readonly outcome: Exclude<RequestOutcome, 'served'>;
  readonly status: number;
  readonly code: string;
  /** The verified caller, null when anonymous or refused before verification. */
  readonly principal: Principal | null;
  /** The operation's name, when known. */
  readonly operationName?: string | null;
  /** The query text, hashed (never logged). */
  readonly query?: string | null;
  /** The authorization decision, when the operation was decided. */
  readonly decision?: OperationDecision | null;
}

/** The SHA-256 (hex) of a query text: Apollo Server's `queryHash`, and the APQ hash. */
export function operationHash(query: string): string {
  return createHash('sha256').update(query).digest('hex');
}

/**
 * Builds the audit event of a refused request, bounded to {@link MAX_AUDIT_EVENT_BYTES}: long texts
 * are cut, coordinates past {@link MAX_AUDIT_COORDINATES} (or past the byte bound) are counted.
 *
 * @example
 * ```ts
 * logger.warn({ audit: createAuditEvent({ requestId, outcome: 'refused', status: 403, code: 'ERR_FORBIDDEN', principal, decision }) }, 'allow-clients audit');
 * ```
 */
export function createAuditEvent(input: AuditInput): AuditEvent {
  // Control characters take 6 bytes each in JSON: when cut names still do not fit, cut them shorter.
  let event = auditEventWithin(input, MAX_TEXT_BYTES);
  if (Buffer.byteLength(JSON.stringify(event)) > MAX_AUDIT_EVENT_BYTES) event = auditEventWithin(input, MIN_TEXT_BYTES);
  return event;
}

function auditEventWithin(input: AuditInput, maxTextBytes: number): AuditEvent {
  const cut = { truncated: false };
  const text = (value: string, max = maxTextBytes): string => {
    const bounded = boundName(value, max);
    if (bounded !== value) cut.truncated = true;
    return bounded;
  };
  const principal = input.principal;
  const denied = input.decision?.deniedCoordinates ?? [];
  const total = input.decision === null || input.decision === undefined ? 0 : input.decision.denied.size;
  const coordinates: AuditCoordinate[] = denied.slice(0, MAX_AUDIT_COORDINATES).map((entry) => ({
    coordinate: text(entry.coordinate),
    code: entry.code,
    rule: entry.detail === undefined ? null : text(entry.detail),
    selections: entry.selections,
  }));
  const base = {
    event: AUDIT_EVENT_NAME,
    version: AUDIT_EVENT_VERSION,
    requestId: text(input.requestId, Math.min(maxTextBytes, MAX_REQUEST_ID_BYTES)),
    outcome: input.outcome,
    status: input.status,
    code: text(input.code, Math.min(maxTextBytes, MAX_CODE_BYTES)),
    clientId: principal === null ? null : text(principal.client.id),
    kind: principal === null ? 'anonymous' : principal.kind,
    ...(principal?.kind === 'user' && principal.user !== undefined ? { userId: text(principal.user.id) } : {}),
    operationName: input.operationName === undefined || input.operationName === null ? null : text(input.operationName),
    operationHash: input.query === undefined || input.query === null ? null : operationHash(input.query),
  } as const;
  let event: AuditEvent = { ...base, coordinates, omittedCoordinates: Math.max(0, total - coordinates.length), truncated: cut.truncated };
  // Drop coordinates from the end until the event fits.
  while (coordinates.length > 0 && Buffer.byteLength(JSON.stringify(event)) > MAX_AUDIT_EVENT_BYTES) {
    coordinates.pop();
    event = { ...event, coordinates, omittedCoordinates: Math.max(0, total - coordinates.length) };
  }
  return event;
}
