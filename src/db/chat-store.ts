// The SQLite ChatStore: binds the query functions of chats.ts to one database for the command service.
import type { ChatStore } from '../core/command-service.js';
import {
  applySubscriptionChanges,
  coinNames,
  deactivateChat,
  ensureChat,
  findChat,
  listSubscriptions,
  markAccessNotice,
  moveChat,
  reactivateChat,
  searchCoins,
  setChatAccess,
  setOpsMention,
} from './chats.js';
import { chatHistory, coinHistory, fieldHistory } from './history.js';
import { endMutes, listMutes, setMutes } from './mutes.js';
import type { Db } from './open-database.js';

export function sqliteChatStore(db: Db): ChatStore {
  return {
    ensureChat: (chat, access) => ensureChat(db, chat, access),
    setAccess: (chatId, access, by) => setChatAccess(db, chatId, access, by),
    markAccessNotice: (chatId, now) => markAccessNotice(db, chatId, now),
    setOpsMention: (chatId, mention) => setOpsMention(db, chatId, mention),
    findChat: (chat) => findChat(db, chat.platform, chat.platformChatId),
    listSubscriptions: (chatId) => listSubscriptions(db, chatId),
    applySubscriptionChanges: (chatId, add, remove) => applySubscriptionChanges(db, chatId, add, remove),
    coinNames: (ids) => coinNames(db, ids),
    searchCoins: (prefix, limit) => searchCoins(db, prefix, limit),
    deactivateChat: (chatId, reason) => deactivateChat(db, chatId, reason),
    reactivateChat: (chatId) => reactivateChat(db, chatId),
    moveChat: (chatId, newId) => moveChat(db, chatId, newId),
    setMutes: (chatId, mutes, now) => setMutes(db, chatId, mutes, now),
    endMutes: (chatId, now, targets) => endMutes(db, chatId, now, targets),
    listMutes: (chatId, now) => listMutes(db, chatId, now),
    history: (query, limit) =>
      'chatId' in query
        ? chatHistory(db, query.chatId, limit)
        : 'coinId' in query
          ? coinHistory(db, query.coinId, limit)
          : fieldHistory(db, query.field, limit),
  };
}
