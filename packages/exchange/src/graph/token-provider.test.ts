import { ConfidentialClientApplication } from '@azure/msal-node';
import { DEMO } from '@exsync/exchange-sim';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type GraphTestBed, startGraphTestBed } from './test-support';
import { MsalTokenProvider } from './token-provider';

let bed: GraphTestBed;
beforeAll(async () => {
  bed = await startGraphTestBed();
});
afterAll(() => bed.close());
afterEach(() => vi.restoreAllMocks());

function provider(now: () => number): MsalTokenProvider {
  return new MsalTokenProvider({
    tenantId: bed.sim.tenantId,
    clientId: DEMO.clientId,
    credential: { kind: 'secret', clientSecret: DEMO.clientSecret },
    authority: `https://login.sim.invalid/${bed.sim.tenantId}`,
    knownAuthorities: ['login.sim.invalid'],
    authorityMetadata: bed.sim.msalAuthorityMetadata(),
    now,
  });
}

describe('MsalTokenProvider holds the token msal gave', () => {
  it('asks msal once for many requests, concurrent or not, and again once the token is near its expiry', async () => {
    const acquire = vi.spyOn(ConfidentialClientApplication.prototype, 'acquireTokenByClientCredential');
    let now = Date.now();
    const tokens = provider(() => now);
    const first = await Promise.all(Array.from({ length: 10 }, () => tokens.getToken()));
    for (let i = 0; i < 20; i++) first.push(await tokens.getToken());
    expect(new Set(first).size).toBe(1);
    expect(acquire).toHaveBeenCalledTimes(1);
    const { expiresOn } = (await acquire.mock.results[0]!.value) as { expiresOn: Date };
    // Five minutes before expiry msal would renew it: so does the provider (msal is asked, whatever it answers).
    now = expiresOn.getTime() - 4 * 60_000;
    await tokens.getToken();
    expect(acquire).toHaveBeenCalledTimes(2);
    expect((await bed.sim.tokens.verify(`Bearer ${first[0]}`, 'graph')).ok).toBe(true);
  });

  it('holds no failure: a refused acquisition is tried again on the next request', async () => {
    const acquire = vi
      .spyOn(ConfidentialClientApplication.prototype, 'acquireTokenByClientCredential')
      .mockRejectedValueOnce(new Error('network down'));
    const tokens = provider(Date.now);
    await expect(tokens.getToken()).rejects.toThrow(/Could not obtain a token/);
    expect(await tokens.getToken()).toMatch(/\./);
    expect(acquire).toHaveBeenCalledTimes(2);
  });
});
