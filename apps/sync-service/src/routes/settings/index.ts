import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Errors } from '../../errors';
import { type SyncSettings, settingsProblem, withDefaults } from '../../settings';
import type { ServiceStore } from '../../store/port';
import { errorResponses, opId, scopeParams, type TenantScopeOptions } from '../common';
import { SettingsBody, SettingsView } from './schemas';

function complete(body: unknown): SyncSettings {
  const s = withDefaults(body);
  if (s.deletionPolicy.kind === 'propagate') {
    const given = s.deletionPolicy as Partial<{ maxPercent: number; maxCount: number }>;
    s.deletionPolicy = { kind: 'propagate', maxPercent: given.maxPercent ?? 20, maxCount: given.maxCount ?? 50 };
  } else {
    s.deletionPolicy = { kind: 'never' };
  }
  return s;
}

export const settingsRoutes: FastifyPluginAsyncTypebox<TenantScopeOptions & { store: ServiceStore }> = async (
  app,
  { explicit, store },
) => {
  const params = scopeParams(explicit, {});

  app.get(
    '/settings',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['settings'],
        operationId: opId(explicit, 'getSettings'),
        summary: "Read the tenant's sync settings (defaults filled in)",
        params,
        response: { 200: SettingsView, ...errorResponses(404) },
      },
    },
    async (request) => complete(await store.tenants.getSettings(request.tenantId!)),
  );

  app.put(
    '/settings',
    {
      config: { access: 'tenant' },
      schema: {
        tags: ['settings'],
        operationId: opId(explicit, 'putSettings'),
        summary: "Replace the tenant's sync settings",
        description: 'Fields left out return to their defaults. Invalid combinations are refused as a whole.',
        params,
        body: SettingsBody,
        response: { 200: SettingsView, ...errorResponses(404, 413, 415) },
      },
    },
    async (request) => {
      const settings = complete(request.body);
      const problem = settingsProblem(settings);
      if (problem) throw new Errors.INVALID_SETTINGS(problem);
      await store.tenants.putSettings(request.tenantId!, settings);
      return settings;
    },
  );
};
