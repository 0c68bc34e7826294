// Slack text safety: the three characters Slack treats as control characters (`&`, `<`, `>`) become entities, so no
// payload value can open a link, a mention (`<!channel>`, `<@U…>`) or a `<url|label>`; long values are shortened
// visibly before escaping, between graphemes, so a cut never lands inside an entity, a surrogate pair or an emoji.
import { shorten, withoutBidiControls } from '../../core/text.js';

/**
 * Escapes `&`, `<` and `>` as Slack asks (and nothing else: other entities would show literally); direction overrides
 * show as U+FFFD, so a value cannot reorder the text around it.
 */
export function escapeSlack(text: string): string {
  return withoutBidiControls(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `text` shortened visibly (see `shorten`) so that its escaped form fits in `max` characters; raw text. */
export const shortenForSlack = (text: string, max: number): string => shorten(text, max, escapeSlack);

/** `text` escaped and, when the escaped form is longer than `max`, shortened visibly (see shortenForSlack). */
export function fitSlack(text: string, max: number): string {
  return escapeSlack(shortenForSlack(text, max));
}

/**
 * A mrkdwn link `<url|label>`. The URL is escaped too, and `|` (which would end the URL early) percent-encoded;
 * anything but http(s) is refused, so a link can never become a mention or a special command.
 */
export function slackLink(url: string, label: string): string {
  if (!/^https?:\/\//i.test(url)) return escapeSlack(label);
  return `<${escapeSlack(url).replace(/\|/g, '%7C')}|${escapeSlack(label)}>`;
}
