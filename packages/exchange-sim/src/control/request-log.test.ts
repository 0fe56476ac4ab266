import { describe, expect, it } from 'vitest';
import { RequestLog } from './request-log';

describe('RequestLog', () => {
  it('keeps the most recent 20,000 entries but counts every request per face, also those it no longer keeps', () => {
    const log = new RequestLog();
    for (let i = 0; i < 25_000; i++) {
      log.start({
        at: i,
        virtualAt: i,
        face: i % 5 === 0 ? 'graph' : 'ews',
        method: 'POST',
        url: '/EWS/Exchange.asmx',
      });
    }
    expect(log.list()).toHaveLength(20_000);
    expect(log.list().at(-1)?.seq).toBe(25_000);
    expect(log.count('ews')).toBe(20_000);
    expect(log.count('graph')).toBe(5_000);
    expect(log.count('entra')).toBe(0);
    expect(log.count()).toBe(25_000);
  });
});
