// docs/commands.md, generated from the command declaration: the reference of every chat command on every platform
// (usage, who may run it, Discord's options, Slack's forms). `npm run docs:commands` rewrites it; a test keeps it equal.
import { CHAT_COMMANDS, changesSettings, openCommands, usageLine, type ChatCommand } from './commands.js';
import { KNOWN_EXCHANGES } from './exchanges.js';

const WHO: Record<ChatCommand['changes'], string> = {
  never: 'anyone',
  always: 'managers',
  'with-arguments': 'anyone to show; managers to change',
};

const cell = (text: string) => text.replace(/\|/g, '\\|');

function discordOptions(command: ChatCommand): string {
  if (command.args.length === 0) return '—';
  return command.args
    .map((arg) => {
      const type = arg.kind === 'count' ? `integer ${arg.min}-${arg.max}` : 'text';
      return `\`${arg.name}\` (${type}${arg.required ? ', required' : ''}${arg.suggests ? ', autocomplete' : ''})`;
    })
    .join(', ');
}

export function commandsDoc(): string {
  const lines = [
    '# Chat commands',
    '',
    '<!-- Generated from src/core/commands.ts by `npm run docs:commands`; do not edit by hand. -->',
    '',
    'The same commands on every platform. **Managers** are who may change a chat\'s settings: in a private chat its',
    'owner; in a Telegram group its administrators (anonymous ones too; in a channel, whoever can post); on Discord,',
    'members with **Manage Channels** (in a DM, its owner); on Slack, the users in `SLACK_ALLOWED_USERS` (everyone when',
    `it is empty; in a DM, its owner). Anyone else who tries a change is told who may, and that they can use ${openCommands()}.`,
    '',
    '| command | what it does | who | usage |',
    '|---|---|---|---|',
    ...CHAT_COMMANDS.map((c: ChatCommand) => `| \`/${c.name}\` | ${cell(c.summary)} | ${WHO[c.changes]} | ${cell(usageLine(c).replace(/^Usage: /, ''))} |`),
    '',
    `Exchange names understood after \`listings\`, \`delistings\` or \`volume_spikes\`: ${KNOWN_EXCHANGES.join(', ')}; any other as \`listings.<exchange>\`.`,
    '',
    '## Telegram',
    '',
    'Every command above is in the bot\'s command menu (`setMyCommands`); `/start` is also answered, as `/help`. In',
    'groups a command may name the bot (`/watch@YourBot bitcoin`), the reply answers the command\'s message, and `/help`',
    'is the short form. In a private chat, text or a command the bot does not know gets a one-line pointer to `/help`;',
    'in groups the bot stays silent, since other bots\' commands are normal there.',
    '',
    '## Discord',
    '',
    'One slash command per command above, with these options (Discord has no `/start`, and will not send a command',
    'without its required options, so an empty `/watch` cannot be typed there):',
    '',
    '| command | options | shown to |',
    '|---|---|---|',
    ...CHAT_COMMANDS.map(
      (c: ChatCommand) => `| \`/${c.name}\` | ${discordOptions(c)} | ${changesSettings(c, 'x') ? 'members with Manage Channels (the bot checks again)' : 'everyone'} |`,
    ),
    '',
    '## Slack',
    '',
    'One umbrella command, `/coinsentry <command> …`, runs every command above (`/coinsentry watch bitcoin`,',
    '`/coinsentry mute 2h`); the ones Slack registers directly as well, if the names are free in your workspace, are',
    `${CHAT_COMMANDS.filter((c: ChatCommand) => c.slackDirect)
      .map((c) => `\`/${c.name}\``)
      .join(', ')}. Replies are ephemeral and name commands the way you typed them. The app manifest in`,
    '`deploy/slack-app-manifest.json` (or `npm run slack-manifest -- https://your.host`) registers exactly these.',
    '',
  ];
  return lines.join('\n');
}
