// Where a chat lives, in the core's own words: every platform adapter maps its chats onto this, and the command
// service, the store and the dispatcher speak only of it.

/** `private` (a DM), `group` (several people, admins manage) or `channel` (broadcast; only admins can post). */
export type ChatKind = 'private' | 'group' | 'channel';

/** A chat. `platformChatId` is the platform's own id, as text (Telegram ids exceed 2^53 only in theory). */
export interface ChatRef {
  platform: string;
  platformChatId: string;
  kind: ChatKind;
  title?: string | null;
  /** Set on alert sends: who high-severity alerts ping in this chat (configured with /mention), in platform syntax. */
  opsMention?: string | null;
}

/** Whether the bot serves a chat: see CHAT_ACCESS in the README. */
export type ChatAccess = 'approved' | 'pending' | 'revoked';

/** How a chat is named to admins and in the CLI: `telegram:-1001234567890`. */
export const chatAddress = (chat: Pick<ChatRef, 'platform' | 'platformChatId'>): string => `${chat.platform}:${chat.platformChatId}`;
