// /help, built from the command declaration: one line per command, then what a newcomer needs (severity, fields,
// examples). Lines are never hard-wrapped: chat clients wrap for the screen they are on, a phone included.
import { commandLines, openCommands, slashForm, type CommandForm } from './commands.js';
import { KNOWN_EXCHANGES } from './exchanges.js';
import { WATCHABLE_FIELDS } from './fields.js';

export interface HelpOptions {
  form?: CommandForm;
  /** The short form: the reply is posted where a whole group reads it. */
  brief?: boolean;
}

export function helpText({ form = slashForm, brief = false }: HelpOptions = {}): string {
  const intro =
    'coinsentry alerts this chat when CoinGecko changes a coin you watch (contracts, name, symbol, logo, categories, ' +
    'notices, links) and, with CEXPing, when an exchange lists or delists a token.';
  const commands = commandLines(form);
  if (brief) {
    return [intro, '', ...commands, '', `Examples and the list of fields: ${form('help')} in a private chat with the bot.`].join('\n');
  }
  const watch = form('watch');
  return [
    intro,
    '',
    ...commands,
    '',
    `High severity (contract migrations, notices, security flags, delistings) pings the ${form('mention')} and is never muted or held; a burst of minor alerts (categories, logos, links) comes as one digest.`,
    '',
    `Fields: ${WATCHABLE_FIELDS.join(', ')}; sub-fields too, e.g. platforms.ethereum, listings.binance.`,
    'Anything else is a CoinGecko coin id (the last part of its coingecko.com URL); coin:<id> forces a coin id.',
    `An exchange after listings, delistings or volume_spikes narrows them: listings ${KNOWN_EXCHANGES[0]}, or listings.<exchange> for any exchange.`,
    '',
    'Examples:',
    `${watch} bitcoin ethereum — every change of those coins`,
    `${watch} public_notices platforms — those fields, for every coin`,
    `${watch} bitcoin platforms public_notices — only those fields of bitcoin`,
    `${watch} platforms.ethereum — Ethereum contract changes of every coin`,
    `${watch} listings binance — every new listing on Binance (spot, futures, previews)`,
    `${watch} delistings — every delisting, on any exchange`,
    `${form('mute')} 1d categories — no category alerts for a day`,
    '',
    `In groups only administrators change settings; anyone can use ${openCommands(form)}.`,
  ].join('\n');
}
