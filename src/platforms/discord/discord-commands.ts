// The slash commands coinsentry registers on Discord (DESIGN.md §3: /watch, /unwatch, /list, /help with one `targets`
// option, plus /mention for the ops ping) and their registration at start: per guild when a guild id is configured
// (instant), else globally.
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  Routes,
  type REST,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';

/** Only members who may manage the channel see /watch, /unwatch and /mention; the service asks again on every use. */
const MANAGE_CHANNELS = PermissionFlagsBits.ManageChannels.toString();

const targets = (description: string) =>
  ({
    type: ApplicationCommandOptionType.String,
    name: 'targets',
    description,
    required: true,
    autocomplete: true,
    max_length: 6000,
  }) as const;

export const SLASH_COMMANDS = [
  {
    type: ApplicationCommandType.ChatInput,
    name: 'watch',
    description: 'Get alerts in this channel for these coins or fields (CoinGecko changes, exchange listings)',
    default_member_permissions: MANAGE_CHANNELS,
    options: [targets('Coin ids and/or fields, e.g. "bitcoin", "public_notices", "bitcoin platforms", "listings binance"')],
  },
  {
    type: ApplicationCommandType.ChatInput,
    name: 'unwatch',
    description: 'Stop alerts for these coins or fields in this channel ("all" stops every one)',
    default_member_permissions: MANAGE_CHANNELS,
    options: [targets('Coin ids and/or fields to stop watching, or "all"')],
  },
  {
    type: ApplicationCommandType.ChatInput,
    name: 'mention',
    description: 'Ping a role or member here on high-severity alerts ("off" stops it, empty shows it)',
    default_member_permissions: MANAGE_CHANNELS,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'who',
        description: 'A @role or @member (pick it from the list), or "off"',
        required: false,
        max_length: 100,
      },
    ],
  },
  {
    type: ApplicationCommandType.ChatInput,
    name: 'mute',
    description: 'Silence low-severity alerts here for a while (migrations and notices still come through)',
    default_member_permissions: MANAGE_CHANNELS,
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'duration',
        description: 'How long: 30m, 2h, 1d, 1w (at most 30d)',
        required: true,
        max_length: 20,
      },
      { ...targets('Only these coins or fields (empty: every low-severity alert)'), required: false },
    ],
  },
  {
    type: ApplicationCommandType.ChatInput,
    name: 'unmute',
    description: 'End the mutes of this channel (all, or of these coins or fields)',
    default_member_permissions: MANAGE_CHANNELS,
    options: [{ ...targets('Coins or fields whose mute ends (empty: every mute)'), required: false }],
  },
  {
    type: ApplicationCommandType.ChatInput,
    name: 'recent',
    description: 'The last recorded changes: of what this channel watches, or of one coin or field',
    options: [
      { ...targets('A coin id or field (empty: what this channel watches)'), required: false },
      { type: ApplicationCommandOptionType.Integer, name: 'count', description: 'How many (default 10)', required: false, min_value: 1, max_value: 50 },
    ],
  },
  {
    type: ApplicationCommandType.ChatInput,
    name: 'list',
    description: 'What this channel watches',
  },
  {
    type: ApplicationCommandType.ChatInput,
    name: 'help',
    description: 'What coinsentry does, with examples',
  },
] as const satisfies RESTPutAPIApplicationCommandsJSONBody;

/**
 * Replaces the application's commands with ours. Global commands are also offered in the bot's DMs; guild commands
 * exist only in that guild, where Discord ignores contexts.
 */
export async function registerCommands(rest: REST, applicationId: string, guildId: string | undefined): Promise<void> {
  if (guildId) {
    await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body: SLASH_COMMANDS });
    return;
  }
  const body = SLASH_COMMANDS.map((command) => ({
    ...command,
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  }));
  await rest.put(Routes.applicationCommands(applicationId), { body });
}
