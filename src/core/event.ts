// The source-neutral event model: what every webhook source turns its payload into, and what the recorder stores,
// matches and alerts on. A change's field is what subscriptions name (`platforms.ethereum`, `listings.binance`).

/** One change as stored: values are JSON text (`null` in the column when the key was absent). */
export interface ParsedChange {
  position: number;
  field: string;
  changeType: 'addition' | 'update' | 'removal';
  oldValue: string | null;
  newValue: string | null;
}

export interface ParsedEvent {
  eventType: string;
  /** The coin the source names by its CoinGecko id (kept in the coins table), or null. */
  coin: { id: string; symbol: string | null; name: string | null } | null;
  /**
   * A ticker symbol (`PEPE`) for sources that do not know CoinGecko ids: when `coin` is null, the recorder resolves it
   * to the one known coin with that symbol, inside the recording transaction. None or several → the event has no coin.
   */
  symbol?: string;
  changes: ParsedChange[];
  /** False for event types this version does not act on: recorded, never alerted. */
  handled: boolean;
}
