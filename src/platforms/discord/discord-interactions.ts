// Command intake from the gateway: a slash-command or autocomplete interaction → the neutral command service, and its
// plain-text reply → ephemeral, escaped Discord messages that mention no one; a press of an alert button → the press
// handler, answered by updating the alert (response type 7) and an ephemeral line, or by an ephemeral line alone when
// nothing changed. The service is synchronous SQLite, so the answer goes out directly, well within Discord's 3 s.
import {
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import { tokenOfPayload } from '../../core/alert-actions.js';
import { findCommand } from '../../core/commands.js';
import type { CommandHandler } from '../../core/command-service.js';
import type { Logger } from '../../logger.js';
import type { ChatRef } from '../port.js';
import { escapeWithin, replyChunks } from './discord-markdown.js';
import { renderDiscordAlert, renderDiscordDigest } from './render-discord.js';
import { parseDiscordMention, showMentions } from './discord-mention.js';

const UNKNOWN = 'Unknown command. Try /help.';
const MANAGERS = 'members who can manage this channel (Manage Channels)';
const FAILED = 'Something went wrong on our side. Please try again in a moment.';
const NO_PINGS = { parse: [] };

/**
 * The options as the text grammar reads them, in the declared order of the command's arguments:
 * `/mute duration:2h targets:categories` → `2h categories`, `/recent targets:bitcoin count:20` → `bitcoin 20`.
 */
function argumentText(interaction: ChatInputCommandInteraction): string {
  const command = findCommand(interaction.commandName);
  return (command?.args ?? [])
    .map((arg) => interaction.options.get(arg.name)?.value)
    .filter((value) => value !== undefined && value !== null && value !== '')
    .map(String)
    .join(' ');
}

/** Whether the focused option of an autocomplete offers coin and field suggestions. */
function suggests(interaction: AutocompleteInteraction): boolean {
  const focused = interaction.options.getFocused(true).name;
  return findCommand(interaction.commandName)?.args.some((arg) => arg.name === focused && arg.suggests === true) ?? false;
}

export function createInteractionHandler(commands: CommandHandler, log: Logger): (interaction: Interaction) => Promise<void> {
  async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    let reply: string;
    try {
      const answer = await commands.run({
        chat: chatOf(interaction),
        name: interaction.commandName,
        args: argumentText(interaction),
        canManage: () => mayManage(interaction),
        managers: MANAGERS,
        senderId: interaction.user.id,
        answerRequired: true,
        // The guild's id is also its @everyone role: a "role mention" of it would ping the whole server.
        parseMention: (text) => {
          const parsed = parseDiscordMention(text);
          return parsed && interaction.guildId && parsed === `<@&${interaction.guildId}>` ? undefined : parsed;
        },
      });
      reply = answer ?? UNKNOWN;
    } catch (error) {
      log.error({ err: error, command: interaction.commandName }, 'discord command failed');
      reply = FAILED;
    }
    const chunks = replyChunks(reply).map((chunk) => (interaction.commandName === 'mention' ? showMentions(chunk) : chunk));
    const [first = UNKNOWN, ...more] = chunks;
    await interaction.reply({ content: first, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
    for (const content of more) {
      await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
    }
  }

  async function onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const partial = suggests(interaction) ? String(interaction.options.getFocused()) : undefined;
    const suggestions = partial === undefined ? [] : commands.suggest(partial, 25, interaction.commandName);
    // Discord wants 1-100 characters for both; the service already caps them, this keeps a bad entry from failing all.
    const choices = suggestions
      .filter((s) => s.name.length > 0 && s.value.length > 0)
      .map((s) => ({ name: s.name.slice(0, 100), value: s.value.slice(0, 100) }));
    await interaction.respond(choices);
  }

  async function onButton(interaction: ButtonInteraction): Promise<void> {
    // Another app's button, or a stale one of an old version: not ours to answer.
    if (tokenOfPayload(interaction.customId) === undefined) return;
    const result = await commands.press({
      payload: interaction.customId,
      chat: chatOf(interaction),
      user: { id: interaction.user.id, name: interaction.user.globalName ?? interaction.user.username },
      canManage: () => mayManage(interaction),
      managers: MANAGERS,
    });
    const toast = { content: escapeWithin(result.toast, 2000), flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS } as const;
    if (!result.edit) return void (await interaction.reply(toast));
    const { message, mention } = result.edit;
    const body = message.kind === 'alert' ? renderDiscordAlert(message.alert, { mention }) : renderDiscordDigest(message.digest);
    // discord.js takes the REST body's snake_case fields as they are; only allowed_mentions has its own camelCase option.
    const { allowed_mentions, ...rest } = body;
    await interaction.update({ ...rest, components: rest.components ?? [], allowedMentions: allowed_mentions } as Parameters<ButtonInteraction['update']>[0]);
    await interaction.followUp(toast);
  }

  return async (interaction) => {
    try {
      if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isAutocomplete()) await onAutocomplete(interaction);
      else if (interaction.isButton()) await onButton(interaction);
    } catch (error) {
      // Usually the interaction expired (10062) or Discord was unreachable. Log the code, not the error object: its
      // request URL carries the interaction token.
      const detail = error instanceof Error ? { error: error.message, code: (error as { code?: unknown }).code } : { error: String(error) };
      log.warn({ ...detail, interaction: interaction.id }, 'could not answer a discord interaction');
    }
  };
}

/** The chat is the channel the command was used in: a guild channel is a group, the bot's DM a private chat. */
export function chatOf(interaction: ChatInputCommandInteraction | ButtonInteraction): ChatRef {
  if (interaction.inGuild()) {
    const channel = interaction.channel;
    const title = channel && 'name' in channel && typeof channel.name === 'string' ? channel.name : null;
    return { platform: 'discord', platformChatId: interaction.channelId, kind: 'group', title };
  }
  return { platform: 'discord', platformChatId: interaction.channelId, kind: 'private', title: interaction.user.username };
}

/**
 * Manage Channels in the channel, from the permissions Discord computed for this interaction. The command's
 * default_member_permissions only hides it in the UI: server admins can override that, so it is checked here again.
 * In a DM the user manages their own chat.
 */
function mayManage(interaction: ChatInputCommandInteraction | ButtonInteraction): boolean {
  if (!interaction.inGuild()) return true;
  return interaction.memberPermissions.has(PermissionFlagsBits.ManageChannels);
}
