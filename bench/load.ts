// The load generator of the ingest and memory benchmarks: autocannon on loopback for a fixed duration, every request a
// webhook body from `pool` with its own event id and a fresh valid signature (so a receiver's dedupe never short-cuts).
// Latencies are percentiles of every 2xx response time (autocannon reports them per response, in fractions of a
// millisecond; its own histogram has 1 ms buckets).
import autocannon, { type RequestParams } from 'autocannon';
import { WEBHOOK_PATH, signedHeaders } from './signed-webhooks.js';
import { percentile } from './stats.js';

export interface LoadResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU this process (autocannon + signing) used, as % of one core: near 100 % means the generator was the limit. */
  generatorCpuPercent: number;
}

let sequence = 0;

export async function loadWebhooks(port: number, seconds: number, pool: readonly string[], connections = 10): Promise<LoadResult> {
  const runId = `${process.pid}-${Date.now()}`;
  const setupRequest = (request: RequestParams): RequestParams => {
    sequence += 1;
    const body = pool[sequence % pool.length]!;
    return { ...request, headers: signedHeaders(`load-${runId}-${sequence}`, body), body };
  };
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', path: WEBHOOK_PATH, setupRequest }],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  const result = await instance;
  const cpu = process.cpuUsage(cpu0);
  return {
    generatorCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100),
    reqPerSec: result['2xx'] / result.duration,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
