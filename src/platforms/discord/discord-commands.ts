// The slash commands coinsentry registers on Discord, derived from the declared chat commands (src/core/commands.ts),
// and their registration at start: per guild when a guild id is configured (instant), else globally.
import {
  ApplicationCommandOptionType,
  type APIApplicationCommandOption,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  Routes,
  type REST,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';
import { CHAT_COMMANDS, type ChatCommand, type CommandArgument } from '../../core/commands.js';

/** Only members who may manage the channel see the commands that change settings; the service asks again on every use. */
const MANAGE_CHANNELS = PermissionFlagsBits.ManageChannels.toString();

function option(arg: CommandArgument): APIApplicationCommandOption {
  const base = { name: arg.name, description: arg.description, required: arg.required };
  if (arg.kind === 'count') {
    return { ...base, type: ApplicationCommandOptionType.Integer, min_value: arg.min, max_value: arg.max };
  }
  return { ...base, type: ApplicationCommandOptionType.String, max_length: arg.maxLength, ...(arg.suggests && { autocomplete: true }) };
}

/**
 * Our slash commands, one per declared command with one option per argument. Discord has no aliases (no /start): /help
 * is the way in. Required options come first, as Discord demands; the grammar reads them in declaration order.
 */
export const SLASH_COMMANDS: RESTPutAPIApplicationCommandsJSONBody = CHAT_COMMANDS.map((command: ChatCommand) => ({
  type: ApplicationCommandType.ChatInput,
  name: command.name,
  description: command.summary,
  ...(command.changes !== 'never' && { default_member_permissions: MANAGE_CHANNELS }),
  ...(command.args.length > 0 && { options: command.args.map(option) }),
}));

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
