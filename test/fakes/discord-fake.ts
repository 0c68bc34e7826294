// A fake Discord on 127.0.0.1 (port 0) for tests: the REST routes coinsentry uses and a gateway that plays HELLO,
// IDENTIFY → READY + GUILD_CREATE and heartbeats, so the real discord.js client runs against it unchanged. It records
// what it receives, checks message bodies against Discord's limits, and answers with scripted failures on request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  GatewayDispatchEvents,
  GatewayOpcodes,
  InteractionContextType,
  InteractionType,
  PermissionFlagsBits,
} from 'discord.js';
import { WebSocketServer, type WebSocket } from 'ws';

/** Ids of the fake world: one guild with one text channel, and the bot's DM with one user. */
export const FAKE = {
  applicationId: '1100000000000000001',
  guildId: '1200000000000000001',
  channelId: '1300000000000000001',
  channelName: 'alerts',
  dmChannelId: '1300000000000000002',
  userId: '1400000000000000001',
  username: 'alice',
} as const;

/** What the fake answers instead of the real thing: an HTTP response, or a connection closed without answer. */
export type Scripted = { status: number; headers?: Record<string, string>; body?: unknown } | 'drop';

export interface RecordedRequest {
  method: string;
  /** The path below `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  query: string;
  authorized: boolean;
  body: unknown;
}

export interface InteractionRequest {
  command: string;
  /** The `targets` option; absent means the option was not given. */
  targets?: string;
  /** The `who` option (/mention). */
  who?: string;
  /** Any other options by name: a number goes as an integer option, a string as a string option. */
  options?: Record<string, string | number>;
  /** A command left over from an earlier registration (Discord caches global commands): sent although not registered now. */
  stale?: boolean;
  /** An autocomplete request for `targets` (or the option `focus` names) instead of a command. */
  autocomplete?: boolean;
  /** The option being typed in an autocomplete request (default `targets`). */
  focus?: string;
  /** Where it is used: the guild channel (default) or the bot's DM. */
  where?: 'guild' | 'dm';
  /** The member's permissions in the channel (guild only). Default: Manage Channels. */
  permissions?: bigint;
}

export interface FollowUp {
  content?: string;
  flags?: number;
  allowed_mentions?: unknown;
}

export interface InteractionCallback {
  type: number;
  data?: FollowUp & { choices?: Array<{ name: string; value: string }> };
}

export interface InteractionAnswer {
  callback: InteractionCallback;
  /** Follow-up messages sent for this interaction so far (`POST /webhooks/{app}/{token}`). */
  followUps: () => FollowUp[];
}

export interface DiscordFake {
  apiBase: string;
  token: string;
  requests: RecordedRequest[];
  /** Query strings the gateway was opened with (`v=10&encoding=json`). */
  gatewayQueries: string[];
  /** IDENTIFY payloads (`d`), token removed. */
  identifies: Array<{ intents: number; compress?: boolean }>;
  /** Message bodies accepted for a channel. */
  messages(channelId: string): unknown[];
  /** Bodies of `PUT …/commands` with their path. */
  registrations(): Array<{ path: string; body: unknown }>;
  /** The next answers to `POST /channels/{id}/messages`, in order. */
  failNext(channelId: string, ...answers: Scripted[]): void;
  /** Pushes an INTERACTION_CREATE over the gateway; resolves with the callback discord.js posted. */
  interact(request: InteractionRequest): Promise<InteractionAnswer>;
  /**
   * A member presses the button whose custom_id is `customId` under `message` (a body `messages()` returned): resolves
   * with the callback; an update (type 7) is applied to that message, so `messages()` shows it as edited.
   */
  pressButton(message: unknown, customId: string, options?: { permissions?: bigint }): Promise<InteractionAnswer>;
  /** Pushes any dispatch event to the connected session. */
  dispatch(event: string, data: unknown): void;
  /** Open gateway connections. */
  sockets(): number;
  close(): Promise<void>;
}

/** Discord's answer to a rate-limited route (per-route bucket, not global). */
export function rateLimited(retryAfterSeconds: number): Scripted {
  return {
    status: 429,
    headers: {
      'retry-after': String(retryAfterSeconds),
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset-after': String(retryAfterSeconds),
      'x-ratelimit-bucket': 'fake-channel-messages',
      'x-ratelimit-scope': 'user',
    },
    body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global: false },
  };
}

/** A Discord JSON error (`{ code, message }`) with an HTTP status. */
export function apiError(status: number, code: number, message: string): Scripted {
  return { status, body: { code, message } };
}

const ANSWER_TIMEOUT_MS = 5000;

export interface DiscordFakeOptions {
  token?: string;
  /** Accept messages to any channel id (load and fan-out tests), not only the fake world's two channels. */
  anyChannel?: boolean;
}

export async function startDiscordFake(options: DiscordFakeOptions = {}): Promise<DiscordFake> {
  const token = options.token ?? 'fake-bot-token';
  const requests: RecordedRequest[] = [];
  const gatewayQueries: string[] = [];
  const identifies: Array<{ intents: number; compress?: boolean }> = [];
  const accepted = new Map<string, unknown[]>();
  const registrations: Array<{ path: string; body: unknown }> = [];
  const scripted = new Map<string, Scripted[]>();
  const sessions = new Set<(event: string, data: unknown) => void>();
  const pending = new Map<string, Pending>();
  /** Every accepted message body → its id and channel (a press names the message by its body). */
  const posted = new Map<object, { id: string; channelId: string }>();
  let nextId = 1;

  const server = createServer((req, res) => void handle(req, res));
  const wss = new WebSocketServer({ server, path: '/gateway' });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api\/v10/, '');
    const body = await readJson(req);
    const authorized = req.headers.authorization === `Bot ${token}`;
    requests.push({ method: req.method ?? 'GET', path, query: url.search, authorized, body });
    const route = `${req.method} ${path}`;
    let match: RegExpExecArray | null;

    if ((match = /^POST \/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route))) {
      return answerCallback(res, match[1]!, match[2]!, body as InteractionCallback);
    }
    if ((match = /^POST \/webhooks\/(\d+)\/([^/]+)$/.exec(route))) return answerFollowUp(res, match[2]!, body);
    if (!authorized) return json(res, 401, { message: '401: Unauthorized', code: 0 });
    if (route === 'GET /gateway/bot') {
      const sessionStartLimit = { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 };
      return json(res, 200, { url: gatewayUrl, shards: 1, session_start_limit: sessionStartLimit });
    }
    if ((match = /^PUT \/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(route))) {
      if (match[1] !== FAKE.applicationId) return json(res, 403, { message: 'Missing Access', code: 50001 });
      if (match[2] !== undefined && match[2] !== FAKE.guildId) return json(res, 403, { message: 'Missing Access', code: 50001 });
      registrations.push({ path, body });
      const commands = Array.isArray(body) ? body : [];
      return json(res, 200, commands.map((c: object, i) => ({ ...c, id: `15000000000000000${10 + i}`, application_id: FAKE.applicationId, version: '1' })));
    }
    if ((match = /^POST \/channels\/(\d+)\/messages$/.exec(route))) return answerMessage(req, res, match[1]!, body);
    return json(res, 404, { message: '404: Not Found', code: 0 });
  }

  function answerMessage(req: IncomingMessage, res: ServerResponse, channelId: string, body: unknown): void {
    const next = scripted.get(channelId)?.shift();
    if (next === 'drop') {
      req.socket.destroy();
      return;
    }
    if (next) return json(res, next.status, next.body ?? {}, next.headers);
    if (!options.anyChannel && channelId !== FAKE.channelId && channelId !== FAKE.dmChannelId) {
      return json(res, 404, { message: 'Unknown Channel', code: 10003 });
    }
    const problems = messageProblems(body);
    if (problems.length > 0) return json(res, 400, invalidFormBody(problems));
    const list = accepted.get(channelId) ?? [];
    list.push(body);
    accepted.set(channelId, list);
    const id = `17000000000${String(100000 + nextId++)}`;
    posted.set(body as object, { id, channelId });
    json(res, 200, { ...messageObject(channelId, body), id });
  }

  function answerCallback(res: ServerResponse, id: string, interactionToken: string, body: InteractionCallback): void {
    const interaction = pending.get(id);
    if (!interaction || interaction.token !== interactionToken) return json(res, 404, { message: 'Unknown interaction', code: 10062 });
    if (interaction.answered) return json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
    const problems = body.type === 4 || body.type === 7 ? messageProblems(body.data) : [];
    if (problems.length > 0) {
      interaction.reject(new Error(`fake Discord refused the reply: ${problems.join('; ')}`));
      return json(res, 400, invalidFormBody(problems));
    }
    interaction.answered = true;
    // An update edits the message the pressed button sits on, in place.
    if (body.type === 7 && interaction.message && body.data) Object.assign(interaction.message, body.data);
    interaction.resolve({ callback: body, followUps: () => [...interaction.followUps] });
    res.writeHead(204).end();
  }

  function answerFollowUp(res: ServerResponse, interactionToken: string, body: unknown): void {
    const interaction = [...pending.values()].find((p) => p.token === interactionToken);
    if (!interaction?.answered) return json(res, 404, { message: 'Unknown Webhook', code: 10015 });
    const problems = messageProblems(body);
    if (problems.length > 0) return json(res, 400, invalidFormBody(problems));
    interaction.followUps.push(body as FollowUp);
    json(res, 200, messageObject(interaction.channelId, body));
  }

  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => {
    gatewayQueries.push(new URL(req.url ?? '/', 'http://fake').search.slice(1));
    let seq = 0;
    const send = (payload: object) => socket.send(JSON.stringify(payload));
    const dispatch = (event: string, data: unknown) => send({ op: GatewayOpcodes.Dispatch, t: event, s: ++seq, d: data });
    send({ op: GatewayOpcodes.Hello, t: null, s: null, d: { heartbeat_interval: 41_250 } });
    socket.on('message', (raw) => {
      const payload = JSON.parse(String(raw)) as { op: number; d: { token?: string; intents: number; compress?: boolean } };
      if (payload.op === GatewayOpcodes.Heartbeat) send({ op: GatewayOpcodes.HeartbeatAck, t: null, s: null, d: null });
      if (payload.op !== GatewayOpcodes.Identify) return;
      const { token: given, ...identify } = payload.d;
      identifies.push(identify);
      if (given !== token) {
        socket.close(4004, 'Authentication failed.');
        return;
      }
      sessions.add(dispatch);
      socket.once('close', () => sessions.delete(dispatch));
      dispatch(GatewayDispatchEvents.Ready, {
        v: 10,
        user: BOT_USER,
        guilds: [{ id: FAKE.guildId, unavailable: true }],
        session_id: `fake-session-${nextId++}`,
        resume_gateway_url: gatewayUrl,
        shard: [0, 1],
        application: { id: FAKE.applicationId, flags: 0 },
      });
      dispatch(GatewayDispatchEvents.GuildCreate, guildCreate());
    });
  });

  function awaitAnswer(id: string, interactionToken: string, payload: { channel_id: string }, what: string, message?: object): Promise<InteractionAnswer> {
    return new Promise<InteractionAnswer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      pending.set(id, {
        token: interactionToken,
        channelId: payload.channel_id,
        answered: false,
        followUps: [],
        ...(message && { message }),
        resolve: (answer) => (clearTimeout(timer), resolve(answer)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      try {
        dispatchToSession(GatewayDispatchEvents.InteractionCreate, payload);
      } catch (error) {
        pending.get(id)?.reject(error as Error);
      }
    });
  }

  function dispatchToSession(event: string, data: unknown): void {
    if (sessions.size === 0) throw new Error('no gateway session is connected to the fake Discord');
    for (const dispatch of sessions) dispatch(event, data);
  }

  return {
    apiBase: `http://127.0.0.1:${port}/api`,
    token,
    requests,
    gatewayQueries,
    identifies,
    messages: (channelId) => accepted.get(channelId) ?? [],
    registrations: () => registrations,
    failNext(channelId, ...answers) {
      scripted.set(channelId, [...(scripted.get(channelId) ?? []), ...answers]);
    },
    pressButton(message, customId, options = {}) {
      const where = posted.get(message as object);
      if (!where) return Promise.reject(new Error('the fake Discord never posted this message'));
      const id = `1600000000000${String(100000 + nextId++)}`;
      const interactionToken = `fake-interaction-token-${id}`;
      const payload = componentPayload(id, interactionToken, { ...messageObject(where.channelId, message), id: where.id }, customId, options.permissions);
      return awaitAnswer(id, interactionToken, payload, `button ${customId}`, message as object);
    },
    interact(request) {
      // As on Discord, only a registered command with its registered options can be used (once any are registered).
      const problem = request.stale ? undefined : unregistered(registrations, request);
      if (problem) return Promise.reject(new Error(`Discord would not offer this: ${problem}`));
      const id = `1600000000000${String(100000 + nextId++)}`;
      const interactionToken = `fake-interaction-token-${id}`;
      return awaitAnswer(id, interactionToken, interactionPayload(id, interactionToken, request), `/${request.command}`);
    },
    dispatch: dispatchToSession,
    sockets: () => wss.clients.size,
    async close() {
      for (const interaction of pending.values()) if (!interaction.answered) interaction.reject(new Error('fake Discord closed'));
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Pending {
  token: string;
  channelId: string;
  /** The message whose button was pressed (a component interaction). */
  message?: object;
  answered: boolean;
  followUps: FollowUp[];
  resolve: (answer: InteractionAnswer) => void;
  reject: (error: Error) => void;
}

const BOT_USER = { id: FAKE.applicationId, username: 'coinsentry', discriminator: '0', global_name: null, avatar: null, bot: true };
const ALICE = { id: FAKE.userId, username: FAKE.username, discriminator: '0', global_name: 'Alice', avatar: null };
const TEXT_CHANNEL = {
  id: FAKE.channelId, type: ChannelType.GuildText, guild_id: FAKE.guildId, name: FAKE.channelName, position: 0,
  permission_overwrites: [], nsfw: false, topic: null, parent_id: null, last_message_id: null, rate_limit_per_user: 0, flags: 0,
};
const LONG_AGO = new Date(0).toISOString();

/** The guild as the gateway sends it after READY (with the Guilds intent: channels and roles, no members). */
function guildCreate() {
  return {
    id: FAKE.guildId, name: 'Fake Server', icon: null, owner_id: FAKE.userId, features: [], preferred_locale: 'en-US',
    afk_channel_id: null, afk_timeout: 300, verification_level: 0, default_message_notifications: 0, explicit_content_filter: 0,
    mfa_level: 0, nsfw_level: 0, premium_tier: 0, joined_at: LONG_AGO, large: false, unavailable: false, member_count: 2,
    roles: [{ id: FAKE.guildId, name: '@everyone', permissions: '0', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
    channels: [TEXT_CHANNEL], members: [], threads: [], presences: [], voice_states: [], emojis: [], stickers: [],
    stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
  };
}

/** Why Discord's client could not send `request`: its command or one of its options was never registered. */
function unregistered(registrations: ReadonlyArray<{ body: unknown }>, request: InteractionRequest): string | undefined {
  const latest = registrations[registrations.length - 1];
  if (!latest || !Array.isArray(latest.body)) return undefined;
  const command = (latest.body as Array<{ name: string; options?: Array<{ name: string }> }>).find((c) => c.name === request.command);
  if (!command) return `/${request.command} is not registered`;
  const given = [...Object.keys(request.options ?? {}), ...(request.targets !== undefined ? ['targets'] : []), ...(request.who !== undefined ? ['who'] : [])];
  const missing = given.filter((name) => !(command.options ?? []).some((o) => o.name === name));
  return missing.length ? `/${request.command} has no option ${missing.join(', ')}` : undefined;
}

/** An INTERACTION_CREATE payload as Discord sends it for a slash command or an autocomplete request. */
function interactionPayload(id: string, interactionToken: string, request: InteractionRequest) {
  const { command, autocomplete = false, where = 'guild', permissions = PermissionFlagsBits.ManageChannels } = request;
  const named: Record<string, string | number> = {
    ...request.options,
    ...(request.targets !== undefined && { targets: request.targets }),
    ...(request.who !== undefined && { who: request.who }),
  };
  const options = Object.entries(named).map(([name, value]) => ({
    type: typeof value === 'number' ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.String,
    name,
    value,
    ...(autocomplete && name === (request.focus ?? 'targets') && { focused: true }),
  }));
  const common = {
    id, application_id: FAKE.applicationId, token: interactionToken, version: 1, locale: 'en-US', entitlements: [],
    type: autocomplete ? InteractionType.ApplicationCommandAutocomplete : InteractionType.ApplicationCommand,
    app_permissions: String(PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks | PermissionFlagsBits.ViewChannel),
    attachment_size_limit: 10_485_760,
    data: { id: '1500000000000000001', name: command, type: ApplicationCommandType.ChatInput, options },
  };
  if (where === 'dm') {
    const channel = { id: FAKE.dmChannelId, type: ChannelType.DM, last_message_id: null, flags: 0, recipients: [ALICE] };
    return { ...common, channel_id: channel.id, channel, user: ALICE, context: InteractionContextType.BotDM, authorizing_integration_owners: { '0': FAKE.userId } };
  }
  return {
    ...common,
    guild_id: FAKE.guildId, guild_locale: 'en-US', channel_id: FAKE.channelId, channel: TEXT_CHANNEL,
    member: {
      user: ALICE, roles: [], joined_at: LONG_AGO, deaf: false, mute: false, flags: 0, pending: false, nick: null, avatar: null,
      permissions: String(permissions),
    },
    context: InteractionContextType.Guild,
    authorizing_integration_owners: { '0': FAKE.guildId },
  };
}

/** An INTERACTION_CREATE payload for a press of a button (component type 2) under `message`, in the guild channel. */
function componentPayload(id: string, interactionToken: string, message: { id: string; channel_id: string }, customId: string, permissions = PermissionFlagsBits.ManageChannels) {
  const dm = message.channel_id === FAKE.dmChannelId;
  const channel = dm ? { id: FAKE.dmChannelId, type: ChannelType.DM, last_message_id: null, flags: 0, recipients: [ALICE] } : TEXT_CHANNEL;
  return {
    id, application_id: FAKE.applicationId, token: interactionToken, version: 1, locale: 'en-US', entitlements: [],
    type: InteractionType.MessageComponent,
    app_permissions: String(PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks | PermissionFlagsBits.ViewChannel),
    attachment_size_limit: 10_485_760,
    data: { custom_id: customId, component_type: ComponentType.Button },
    message,
    channel_id: channel.id,
    channel,
    ...(dm
      ? { user: ALICE, context: InteractionContextType.BotDM, authorizing_integration_owners: { '0': FAKE.userId } }
      : {
          guild_id: FAKE.guildId, guild_locale: 'en-US',
          member: {
            user: ALICE, roles: [], joined_at: LONG_AGO, deaf: false, mute: false, flags: 0, pending: false, nick: null, avatar: null,
            permissions: String(permissions),
          },
          context: InteractionContextType.Guild,
          authorizing_integration_owners: { '0': FAKE.guildId },
        }),
  };
}

/** The message object Discord answers a create-message request with. */
function messageObject(channelId: string, body: unknown) {
  return {
    id: `17${String(Date.now()).padStart(17, '0')}`, channel_id: channelId, type: 0, content: '', embeds: [], attachments: [],
    mentions: [], mention_roles: [], mention_everyone: false, pinned: false, tts: false, flags: 0, components: [],
    timestamp: new Date().toISOString(), edited_timestamp: null, author: BOT_USER,
    ...(typeof body === 'object' && body !== null ? body : {}),
  };
}

/** What Discord would refuse in a message body: its length limits for content and embeds, and empty messages. */
export function messageProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null) return ['the body is not a JSON object'];
  const { content, embeds = [] } = body as { content?: unknown; embeds?: unknown };
  if (content !== undefined && (typeof content !== 'string' || content.length > 2000)) problems.push('content: at most 2000 characters');
  if (!Array.isArray(embeds) || embeds.length > 10) return [...problems, 'embeds: at most 10'];
  if (!content && embeds.length === 0) problems.push('a message needs content or an embed');
  let total = 0;
  const text = (path: string, value: unknown, max: number, required = false) => {
    if (value === undefined && !required) return;
    if (typeof value !== 'string') return void problems.push(`${path}: must be a string`);
    if (required && value.trim() === '') problems.push(`${path}: must not be empty`);
    if (value.length > max) problems.push(`${path}: at most ${max} characters (got ${value.length})`);
    total += value.length;
  };
  (embeds as Array<Record<string, unknown>>).forEach((embed, i) => {
    text(`embeds[${i}].title`, embed.title, 256);
    text(`embeds[${i}].description`, embed.description, 4096);
    text(`embeds[${i}].footer.text`, (embed.footer as { text?: unknown } | undefined)?.text, 2048);
    text(`embeds[${i}].author.name`, (embed.author as { name?: unknown } | undefined)?.name, 256);
    if (embed.url !== undefined && !/^https?:\/\/\S+$/.test(String(embed.url))) problems.push(`embeds[${i}].url: not a URL`);
    const fields = (embed.fields ?? []) as Array<{ name?: unknown; value?: unknown }>;
    if (fields.length > 25) problems.push(`embeds[${i}].fields: at most 25`);
    fields.forEach((f, j) => {
      text(`embeds[${i}].fields[${j}].name`, f.name, 256, true);
      text(`embeds[${i}].fields[${j}].value`, f.value, 1024, true);
    });
  });
  if (total > 6000) problems.push(`embeds: at most 6000 characters in total (got ${total})`);
  return problems;
}

function invalidFormBody(problems: string[]) {
  return { code: 50035, message: 'Invalid Form Body', errors: { _errors: problems.map((message) => ({ code: 'BASE_TYPE_INVALID', message })) } };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
