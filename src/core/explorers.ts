// Block-explorer links for contract addresses on well-known chains. A link is built only when the address has the
// chain's expected shape, so a payload cannot smuggle an arbitrary URL into an alert.

const EVM = /^0x[0-9a-fA-F]{40}$/;
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;
const TRON = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;
const SUI = /^0x[0-9a-fA-F]{1,64}::[A-Za-z0-9_]{1,64}::[A-Za-z0-9_]{1,64}$/;

interface Explorer {
  name: string;
  shape: RegExp;
  url: (address: string) => string;
}

const evm = (name: string, host: string): Explorer => ({ name, shape: EVM, url: (a) => `https://${host}/token/${a}` });

const EXPLORERS = new Map<string, Explorer>(Object.entries({
  ethereum: evm('Etherscan', 'etherscan.io'),
  'binance-smart-chain': evm('BscScan', 'bscscan.com'),
  base: evm('BaseScan', 'basescan.org'),
  'arbitrum-one': evm('Arbiscan', 'arbiscan.io'),
  'polygon-pos': evm('PolygonScan', 'polygonscan.com'),
  'optimistic-ethereum': evm('Optimistic Etherscan', 'optimistic.etherscan.io'),
  avalanche: evm('Snowtrace', 'snowtrace.io'),
  xdai: evm('GnosisScan', 'gnosisscan.io'),
  fantom: evm('FTMScan', 'ftmscan.com'),
  linea: evm('LineaScan', 'lineascan.build'),
  scroll: evm('ScrollScan', 'scrollscan.com'),
  blast: evm('BlastScan', 'blastscan.io'),
  celo: evm('CeloScan', 'celoscan.io'),
  cronos: evm('CronosScan', 'cronoscan.com'),
  'polygon-zkevm': evm('zkEVM PolygonScan', 'zkevm.polygonscan.com'),
  zksync: evm('zkSync Explorer', 'era.zksync.network'),
  moonbeam: evm('Moonscan', 'moonscan.io'),
  mantle: { name: 'Mantle Explorer', shape: EVM, url: (a) => `https://explorer.mantle.xyz/token/${a}` },
  solana: { name: 'Solscan', shape: BASE58, url: (a) => `https://solscan.io/token/${a}` },
  tron: { name: 'Tronscan', shape: TRON, url: (a) => `https://tronscan.org/#/token20/${a}` },
  sui: { name: 'Suiscan', shape: SUI, url: (a) => `https://suiscan.xyz/mainnet/coin/${encodeURIComponent(a)}` },
} satisfies Record<string, Explorer>));

export interface ExplorerLink {
  name: string;
  url: string;
}

/** The explorer page of `address` on `chain`, or undefined for unknown chains and addresses of the wrong shape. */
export function explorerLink(chain: string, address: string): ExplorerLink | undefined {
  // A Map, not an object lookup: chain names come from payloads (`platforms.constructor`, `platforms.__proto__`).
  const explorer = EXPLORERS.get(chain);
  if (!explorer || !explorer.shape.test(address)) return undefined;
  return { name: explorer.name, url: explorer.url(address) };
}
