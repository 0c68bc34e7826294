// The interface every webhook source implements. A source is a folder in src/sources/ that knows its headers, its
// signature scheme, where its event id and timestamp live, and how its payload becomes the core's ParsedEvent; the
// generic route (webhook-route.ts) owns the rest: size limit, statuses, recording, metrics and the log line.
import type { Config } from '../config.js';
import type { ParsedEvent } from '../core/event.js';

/** The configuration sources are built from. */
export type SourcesConfig = Pick<Config, 'webhook' | 'cexping'>;

/** A request header by name (any letter case); undefined when absent. */
export type HeaderReader = (name: string) => string | undefined;

/** The raw body, as bytes (what signatures cover) and decoded as UTF-8 (what parsers read). */
export interface RawBody {
  bytes: Uint8Array;
  text: string;
}

/** A request refused before anything is stored: 400 (malformed headers) or 401 (signature, freshness). */
export interface Refusal {
  kind: 'refused';
  status: 400 | 401;
  /** The `reason` label of the metric and the log line (`missing_header`, `stale_timestamp`). */
  reason: string;
  /** The error message in the response body. */
  error: string;
  eventId?: string;
}

/** What a signed body asks for. */
export type Intake =
  /** An event to record (or a duplicate of one) under `eventId`, the source's dedupe key. */
  | { kind: 'event'; eventId: string; occurredAt: number; event: ParsedEvent }
  /** Signed, but unusable: kept in quarantine under `eventId` (a hash of the body when it names none), answered 202. */
  | { kind: 'malformed'; eventId: string; occurredAt: number; reason: string }
  /** A health check from the provider: answered 200 and counted, never stored. */
  | { kind: 'ping' }
  | Refusal;

/** One request of a source after its headers were read: the body is checked, then parsed. */
export interface OpenedRequest {
  /** The event id when the headers name it (for the log line of a refusal). */
  eventId?: string;
  /** True when the signature covers exactly these bytes, made with one of the secrets; constant time. */
  verify(body: Uint8Array): boolean;
  /** The verified body → what to do with it. Never throws. `nowMs` is the clock of the freshness check. */
  parse(body: RawBody, nowMs: number): Intake;
}

export interface WebhookSource {
  /** Stored with every event (`events.source`), the route `/webhooks/<name>`, the `source` label and log field. */
  readonly name: string;
  /** Largest body accepted, in bytes; larger ones get 413 without being read. */
  readonly maxBodyBytes: number;
  /** A header naming the event, for the log line of a body refused for its size. */
  readonly eventIdHeader?: string;
  /** What the headers alone say, before the body is read: a refusal, or the steps for the body. */
  open(header: HeaderReader, nowMs: number): OpenedRequest | Refusal;
}

/** A request as the provider would send it, for send-test-event and the demo. */
export interface ProviderRequest {
  headers: Record<string, string>;
  body: Uint8Array | string;
}

/** How a provider signs and sends, so fixtures can be posted to a running server. */
export interface SourceClient {
  /** The environment variable holding the signing secret(s). */
  readonly secretVariable: string;
  /** Its fixture bodies: a folder under test/fixtures (`''` for test/fixtures itself). */
  readonly fixtures: string;
  readonly defaultFixture: string;
  /** The request the provider would send for `body` at `nowMs` (a source whose body carries its event id and time stamps them in). */
  request(options: { secret: string; body: Uint8Array | string; eventId: string; nowMs: number }): ProviderRequest;
}

/** One entry of the source list (src/sources/index.ts). */
export interface SourceModule {
  readonly name: string;
  /** The source for this configuration, or why it is off (said once in the start log; its route answers 404). */
  create(config: SourcesConfig): WebhookSource | { off: string };
  readonly client: SourceClient;
}
