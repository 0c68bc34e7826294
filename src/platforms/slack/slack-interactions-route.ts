// POST /slack/interactions: presses of alert buttons (Slack's Interactivity request URL). Verified exactly like slash
// commands — size limit, then SLACK_SIGNING_SECRET and the 300 s window before the body is read — then the
// `payload` form field (a block_actions JSON) → the press handler. Slack wants its 200 within 3 s: the press is
// answered from SQLite at once, and the message update (chat.update) and the presser's toast (an ephemeral message)
// go out after the acknowledgement.
import { Hono } from 'hono';
import type { PressResult } from '../../core/alert-press.js';
import type { CommandHandler } from '../../core/command-service.js';
import type { Logger } from '../../logger.js';
import type { ChatRef } from '../port.js';
import { ACTIONS_BLOCK } from './render-slack.js';
import { MANAGERS, slackMayManage } from './slack-commands-route.js';
import { slackForm } from './slash-command.js';
import { signedForm, slackBodyLimit } from './signed-form.js';

/** Where a press's answers go: the pressed message (channel and ts) and the user who pressed. */
export interface PressTarget {
  channel: string;
  ts: string | undefined;
  user: string;
}

export interface SlackInteractionsDeps {
  commands: CommandHandler;
  signingSecret: string;
  allowedUsers: readonly string[];
  clock: () => number;
  log: Logger;
  /** Edits the message and shows the toast (through the Web API); runs after Slack got its 200. */
  answer: (target: PressTarget, result: PressResult) => Promise<void>;
  maxBodyBytes?: number;
}

/** block_actions payloads carry the whole message: larger than a slash command, far below this. */
export const INTERACTION_MAX_BODY_BYTES = 256 * 1024;

interface BlockActions {
  type: string;
  user?: { id?: string; name?: string; username?: string };
  channel?: { id?: string; name?: string };
  container?: { message_ts?: string; channel_id?: string };
  message?: { ts?: string };
  actions?: Array<{ block_id?: string; action_id?: string; value?: string }>;
}

function parsePayload(form: URLSearchParams): BlockActions | undefined {
  try {
    const payload = JSON.parse(form.get('payload') ?? '') as unknown;
    return typeof payload === 'object' && payload !== null && typeof (payload as BlockActions).type === 'string' ? (payload as BlockActions) : undefined;
  } catch {
    return undefined;
  }
}

export function slackInteractionsRoute(deps: SlackInteractionsDeps): Hono {
  const { commands, log } = deps;
  const allowed = new Set(deps.allowedUsers);
  const maxBodyBytes = deps.maxBodyBytes ?? INTERACTION_MAX_BODY_BYTES;
  const app = new Hono();

  app.post('/', slackBodyLimit(maxBodyBytes), async (c) => {
    const signed = await signedForm(c, deps, 'slack interaction');
    if ('refused' in signed) return signed.refused;
    const payload = parsePayload(signed.form);
    if (!payload) return c.json({ error: 'no interaction payload' }, 400);
    // Other interactions (shortcuts, a modal) and other apps' blocks are not ours: acknowledged, nothing else.
    const action = payload.actions?.[0];
    const channel = payload.channel?.id ?? payload.container?.channel_id;
    const userId = payload.user?.id;
    if (payload.type !== 'block_actions' || action?.block_id !== ACTIONS_BLOCK || !action.value || !channel || !userId) return c.body(null, 200);

    const chat: ChatRef = { platform: 'slack', platformChatId: channel, kind: channel.startsWith('D') ? 'private' : 'group' };
    const result = await commands.press({
      payload: action.value,
      chat,
      user: { id: userId, name: payload.user?.name ?? payload.user?.username ?? userId },
      canManage: () => slackMayManage(allowed, chat, userId),
      managers: MANAGERS,
      form: slackForm('/coinsentry', true),
    });
    const target = { channel, ts: payload.container?.message_ts ?? payload.message?.ts, user: userId };
    void deps.answer(target, result).catch((error: unknown) => log.warn({ err: error, channel }, 'could not answer a slack button press'));
    return c.body(null, 200);
  });

  app.onError((error, c) => {
    log.error({ err: error }, 'slack interaction failed');
    return c.body(null, 200);
  });

  return app;
}
