// The commands of the admin CLI. Each one reads its parsed arguments, runs the queries of src/db and returns what to
// print (text, and the same facts as JSON for --json) with an exit code; none of them reads the environment.
import { readFileSync } from 'node:fs';
import { describePairs } from '../core/command-plan.js';
import type { AdminConfig } from '../config.js';
import { accessChangedNotice } from '../core/command-service.js';
import { databaseStats, listChatOverview, type DatabaseStats } from '../db/admin-queries.js';
import { storageStats } from '../db/storage-stats.js';
import { findChat, setChatAccess } from '../db/chats.js';
import { importWatchlist } from '../db/import-watchlist.js';
import type { Db } from '../db/open-database.js';
import { OPEN_STATUSES, listDeliveries, requeueDead, type DeliveryListing } from '../db/outbox.js';
import { replayEvent } from '../db/replay-event.js';
import { SOURCE_COINGECKO } from '../sources/coingecko/coingecko-source.js';
import { SOURCES } from '../sources/index.js';
import { DATABASE_COMMANDS, storageLines } from './database-commands.js';
import { cell, formatTable, formatTime, plural } from './text-table.js';
import { parseWatchlist } from './watchlist-file.js';

/** The high-severity alerts of the last week nobody acknowledged from their button, newest first. */
function unacknowledgedLines({ total, alerts }: DatabaseStats['unacknowledged']): string[] {
  if (total === 0) return ['unacknowledged high-severity alerts (last 7 days): none'];
  return [
    `unacknowledged high-severity alerts (last 7 days): ${total}${total > alerts.length ? `, the newest ${alerts.length}:` : ''}`,
    formatTable(
      ['sent', 'chat', 'coin', 'event', 'reminded'],
      alerts.map((a) => [formatTime(a.sentAt), a.chat, a.coinId ?? '-', cell(a.eventId), a.reminded ? 'yes' : 'no']),
    ),
  ];
}

/** What a command produced. Code 2: refused (bad input, unknown id); the text then goes to stderr. */
export interface Outcome {
  code: 0 | 2;
  text: string;
  json?: unknown;
}

export interface Args {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CommandContext {
  db: Db;
  config: AdminConfig;
  /** Milliseconds since the epoch. */
  now: number;
}

export interface AdminCommand {
  /** Arguments after the command name, for the usage text. */
  synopsis: string;
  summary: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  /** How many positional arguments the command takes. */
  positionals?: number;
  /** Argument checks that need no database: an error message, or undefined. */
  check?: (args: Args) => string | undefined;
  run: (args: Args, context: CommandContext) => Outcome | Promise<Outcome>;
}

/** Outbox statuses that are not final: still to be sent (`held` waits for the chat's digest). */

const NEXT_SWEEP = 'A running bot sends them at its next outbox sweep (within 30 s).';
const CLI = 'npm run cli --';
const refuse = (text: string): Outcome => ({ code: 2, text });
const option = (args: Args, name: string) => {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
};

const ID_LIST = /^\d+(,\d+)*$/;

/** Listings show the newest rows first, at most this many when --limit is not given. */
const DEFAULT_LIMIT = 50;
const checkLimit = (args: Args) =>
  option(args, 'limit') !== undefined && !/^[1-9]\d*$/.test(option(args, 'limit')!) ? '--limit takes a positive whole number' : undefined;
const limitOf = (args: Args) => Number(option(args, 'limit') ?? DEFAULT_LIMIT);

export const ADMIN_COMMANDS: Record<string, AdminCommand> = {
  stats: {
    synopsis: '',
    summary:
      'events, chats and subscriptions per platform, outbox rows by status; database size, history kept, last prune; unacknowledged high-severity alerts',
    options: {},
    run: (_args, { db, config, now }) => {
      const storage = storageStats(db, config.databasePath);
      const stats = { ...databaseStats(db, now), storage };
      const { events } = stats;
      const lines = [
        `events: ${events.total} total, ${events.last24h} in the last 24 h, ${events.quarantined} quarantined`,
        ...storageLines(storage, config.retentionDays),
        `subscriptions: ${stats.subscriptions}`,
        '',
        stats.platforms.length
          ? formatTable(
              ['platform', 'active chats', 'inactive chats', 'subscriptions'],
              stats.platforms.map((p) => [p.platform, String(p.activeChats), String(p.inactiveChats), String(p.subscriptions)]),
            )
          : 'no chats yet',
        '',
        stats.outbox.length
          ? formatTable(['outbox status', 'rows'], stats.outbox.map((s) => [s.status, String(s.count)]))
          : 'the outbox is empty',
        '',
        ...unacknowledgedLines(stats.unacknowledged),
      ];
      return { code: 0, text: lines.join('\n'), json: stats };
    },
  },

  chats: {
    synopsis: '[--inactive | --active] [--pending] [--platform telegram|discord|slack]',
    summary: 'every chat: platform:id, kind, title, access, state, subscriptions, why and when it was deactivated (--pending: waiting for approval)',
    options: { inactive: { type: 'boolean' }, active: { type: 'boolean' }, pending: { type: 'boolean' }, platform: { type: 'string' } },
    check: (args) => (args.values.active && args.values.inactive ? '--active and --inactive exclude each other' : undefined),
    run: (args, { db }) => {
      const platform = option(args, 'platform');
      const active = args.values.active ? true : args.values.inactive ? false : undefined;
      const rows = listChatOverview(db, {
        ...(platform && { platform }),
        ...(active !== undefined && { active }),
        ...(args.values.pending === true && { access: 'pending' }),
      });
      if (rows.length === 0) {
        return { code: 0, text: 'no chats match (a chat appears once someone has used a bot command there)', json: rows };
      }
      const table = formatTable(
        ['chat', 'kind', 'access', 'active', 'subscriptions', 'deactivated', 'title'],
        rows.map((c) => [
          `${c.platform}:${c.platformChatId}`,
          c.kind,
          c.access,
          c.active ? 'yes' : 'no',
          String(c.subscriptions),
          c.active ? '' : `${formatTime(c.deactivatedAt)} ${c.deactivatedReason ?? ''}`,
          c.title ?? '',
        ]),
      );
      const inactive = rows.filter((c) => !c.active).length;
      return { code: 0, text: `${table}\n\n${plural(rows.length, 'chat')} (${rows.length - inactive} active, ${inactive} inactive)`, json: rows };
    },
  },

  approve: {
    synopsis: '<platform:chat>',
    summary: 'serve this chat (CHAT_ACCESS=approval): its commands are answered and its alerts sent; the id is in the bot\'s reply there, or in chats --pending',
    options: {},
    positionals: 1,
    check: checkChatAddress,
    run: (args, { db }) => changeAccess(db, args.positionals[0]!, 'approved'),
  },

  revoke: {
    synopsis: '<platform:chat>',
    summary: 'stop serving this chat: queued alerts are cancelled, its commands get the "private" reply; subscriptions are kept for a later approve',
    options: {},
    positionals: 1,
    check: checkChatAddress,
    run: (args, { db }) => changeAccess(db, args.positionals[0]!, 'revoked'),
  },

  'dead-letters': {
    synopsis: '[--limit 50]',
    summary: 'alerts kept after exhausting their attempts (or refused outright), with the last error, newest first',
    options: { limit: { type: 'string' } },
    check: checkLimit,
    run: (args, { db }) => {
      const rows = listDeliveries(db, ['dead'], limitOf(args));
      if (rows.length === 0) return { code: 0, text: 'no dead letters', json: rows };
      return { code: 0, text: `${deliveryTable(rows)}\n\nrequeue with: ${CLI} retry-dead-letters [--id ${rows[0]!.id}]`, json: rows };
    },
  },

  outbox: {
    synopsis: `[--status ${OPEN_STATUSES.join(',')}] [--limit 50]`,
    summary: `outbox rows of these statuses (default: every one not final yet, ${OPEN_STATUSES.join(', ')}; also sent, dead, cancelled, muted), newest first`,
    options: { status: { type: 'string' }, limit: { type: 'string' } },
    check: (args) =>
      option(args, 'status') !== undefined && !/^[a-z]+(,[a-z]+)*$/.test(option(args, 'status')!)
        ? '--status takes statuses separated by commas, e.g. --status pending,cancelled'
        : checkLimit(args),
    run: (args, { db }) => {
      const rows = listDeliveries(db, option(args, 'status')?.split(',') ?? [...OPEN_STATUSES], limitOf(args));
      return { code: 0, text: rows.length ? deliveryTable(rows) : 'no outbox rows with these statuses', json: rows };
    },
  },

  'retry-dead-letters': {
    synopsis: '[--id 12,13]',
    summary: 'dead letters (all, or these ids) back to pending with fresh attempts',
    options: { id: { type: 'string' } },
    check: (args) =>
      option(args, 'id') !== undefined && !ID_LIST.test(option(args, 'id')!)
        ? '--id takes delivery ids separated by commas, e.g. --id 12,13'
        : undefined,
    run: (args, { db }) => {
      const ids = option(args, 'id')?.split(',').map(Number);
      const requeued = requeueDead(db, ids && [...new Set(ids)]);
      const skipped = ids ? new Set(ids).size - requeued : 0;
      const lines = [
        `requeued ${plural(requeued, 'dead letter')}${skipped ? ` (${plural(skipped, 'given id')} not a dead letter)` : ''}.`,
        ...(requeued ? [NEXT_SWEEP] : []),
      ];
      return { code: 0, text: lines.join(' '), json: { requeued, notDead: skipped } };
    },
  },

  replay: {
    synopsis: '<event-id> [--source cexping]',
    summary: 'match a stored event (CoinGecko unless --source says) again and queue it for chats that never had it (subscribed later)',
    options: { source: { type: 'string' } },
    positionals: 1,
    check: (args) => {
      const source = option(args, 'source');
      const names = SOURCES.map((s) => s.name);
      return source === undefined || names.includes(source) ? undefined : `--source takes one of ${names.join(', ')}`;
    },
    run: (args, { db }) => {
      const eventId = args.positionals[0]!;
      const source = option(args, 'source') ?? SOURCE_COINGECKO;
      const result = replayEvent(db, source, eventId);
      if (result.kind === 'unknown_event') {
        const what = source === SOURCE_COINGECKO ? 'CoinGecko' : source;
        return refuse(`no ${what} event "${eventId}" in the database (event ids are in the webhook log lines and in ${CLI} dead-letters)`);
      }
      const about = `event ${eventId} (${[result.eventType, result.coinId, plural(result.changes, 'change')].filter(Boolean).join(', ')})`;
      const json = { eventId, ...result };
      if (result.matched === 0) return { code: 0, text: `${about}: matches no active chat's subscriptions; nothing queued.`, json };
      const lines = [
        `${about}: matches ${plural(result.matched, 'active chat')} now.`,
        `queued ${plural(result.added, 'new alert')}; ${plural(result.alreadyHad, 'chat')} already had this event (left as it was).`,
        ...(result.added ? [NEXT_SWEEP] : []),
      ];
      return { code: 0, text: lines.join('\n'), json };
    },
  },

  'import-watchlist': {
    synopsis: '--chat <platform:id> --file coins.txt [--dry-run]',
    summary: '/watch every line of the file in that chat (same targets as /watch; all or nothing; the chat cap applies)',
    options: { chat: { type: 'string' }, file: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    check: (args) => {
      if (!option(args, 'chat') || !option(args, 'file')) return 'import-watchlist needs --chat <platform:id> and --file <path>';
      if (!/^[a-z]+:./.test(option(args, 'chat')!)) return `--chat takes platform:id, e.g. telegram:-1001234567890 (ids: ${CLI} chats)`;
      return undefined;
    },
    run: (args, { db, config }) =>
      importCommand(db, config, option(args, 'chat')!, option(args, 'file')!, args.values['dry-run'] === true),
  },

  ...DATABASE_COMMANDS,
};

function checkChatAddress(args: Args): string | undefined {
  const address = args.positionals[0] ?? '';
  return /^[a-z]+:./.test(address) ? undefined : `takes platform:chat, e.g. telegram:-1001234567890 (ids: ${CLI} chats --pending)`;
}

function changeAccess(db: Db, address: string, access: 'approved' | 'revoked'): Outcome {
  const colon = address.indexOf(':');
  const chat = findChat(db, address.slice(0, colon), address.slice(colon + 1));
  if (!chat) {
    return refuse(`no chat ${address} in the database: a chat appears once someone has used a bot command there; see ${CLI} chats --pending`);
  }
  const verb = access === 'approved' ? 'approved' : 'revoked';
  if (chat.access === access) return { code: 0, text: `${address} was already ${verb}; nothing changed.`, json: { chat: address, access, changed: false } };
  setChatAccess(db, chat.id, access, 'cli', accessChangedNotice(access, address));
  const effect =
    access === 'approved'
      ? 'its commands are answered and its alerts sent from now on; the running server tells the chat.'
      : 'queued alerts cancelled; its commands get the "private" reply; its subscriptions are kept for a later approve; the running server tells the chat.';
  return { code: 0, text: `${address}${chat.title ? ` (${cell(chat.title)})` : ''}: ${verb}; ${effect}`, json: { chat: address, access, changed: true } };
}

function importCommand(db: Db, config: AdminConfig, chatRef: string, file: string, dryRun: boolean): Outcome {
  const colon = chatRef.indexOf(':');
  const chat = findChat(db, chatRef.slice(0, colon), chatRef.slice(colon + 1));
  if (!chat) {
    return refuse(
      `no chat ${chatRef} in the database: a chat appears once someone has used a bot command there; ` +
        `list the known ones with ${CLI} chats`,
    );
  }
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    return refuse(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const parsed = parseWatchlist(content);
  if (!parsed.ok) {
    const lines = [`${file}: ${plural(parsed.errors.length, 'bad line')}, nothing imported:`];
    for (const e of parsed.errors) lines.push(`  line ${e.line}: ${e.reason}`);
    return { code: 2, text: lines.join('\n'), json: { errors: parsed.errors } };
  }
  if (parsed.entries.length === 0) return refuse(`${file} has no targets (one coin id or field per line; # starts a comment)`);

  const result = importWatchlist(db, chat.id, parsed.entries, { limit: config.subscriptionLimit, dryRun });
  const lines = [
    `${chatRef}${chat.title ? ` (${cell(chat.title)})` : ''}: ${dryRun ? 'would add' : 'added'} ${result.added.length}, ` +
      `already watched ${result.already.length}, over the cap ${result.overCap.length}` +
      `${dryRun ? ' (dry run: nothing written)' : ''}.`,
  ];
  if (result.overCap.length) {
    const notAdded = preview(describePairs(result.overCap, new Map()));
    lines.push(`not added, the chat holds at most ${config.subscriptionLimit} subscriptions (SUBSCRIPTION_LIMIT): ${notAdded}`);
  }
  if (result.unseenCoins.length) {
    lines.push(`not seen in any CoinGecko event yet (check these ids if unexpected): ${preview(result.unseenCoins)}`);
  }
  if (!chat.active) {
    lines.push(`note: this chat is inactive (${chat.deactivatedReason ?? 'no reason recorded'}); alerts resume when it is active again.`);
  }
  return { code: 0, text: lines.join('\n'), json: { chat: chatRef, dryRun, ...result } };
}

function deliveryTable(rows: readonly DeliveryListing[]): string {
  return formatTable(
    ['id', 'status', 'attempts', 'created', 'event', 'coin', 'chat', 'last error'],
    rows.map((d) => [
      String(d.id),
      d.status,
      String(d.attempts),
      formatTime(d.createdAt),
      d.eventId,
      d.coinId ?? '',
      `${d.platform}:${d.platformChatId}${d.chatTitle ? ` (${d.chatTitle})` : ''}`,
      d.lastError ?? '',
    ]),
  );
}

/** The first few items of a long list, and how many more. */
function preview(items: readonly string[], shown = 20): string {
  return items.length > shown ? `${items.slice(0, shown).join('; ')}; … and ${items.length - shown} more` : items.join('; ');
}
