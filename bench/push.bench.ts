import {
  ewsBackend,
  graphBackend,
  type PushBackend,
  percentile,
  startPushScenario,
} from '../apps/sync-service/src/testing/push-latency';
import { isInstalled } from '../packages/dav/src/testing/dav-servers';
import type { Figure } from './run';

/**
 * Push latency, per Exchange backend: 100 changes Outlook → Nextcloud (until in Radicale) and 100 Nextcloud →
 * Exchange (a DAV write plus the Nextcloud app's change call, until in the simulator), with push on and the
 * interval at 24 h, one change every 1.1 s. Goal: p95 < 10 s each way. The spacing keeps a direction under 60
 * changes a minute: the service cuts Graph notifications off above 60 a minute per subscription (a flood costs a
 * minute's latency, by design), which is a hardening limit, not the latency this measures. The scenario is the end-to-end test's
 * (apps/sync-service/src/push/push-e2e.live.test.ts). PUSH_BACKENDS picks backends (comma-separated: graph, ews;
 * default both), PUSH_CHANGES the count per direction.
 */
const BACKENDS: Record<string, PushBackend> = { graph: graphBackend, ews: ewsBackend };
const SPACING_MS = 1100;

export async function pushBenchmarks(): Promise<Figure[]> {
  if (!isInstalled('radicale')) {
    console.log('push latency: skipped, Radicale is not installed (scripts/dav-servers/install.sh)');
    return [];
  }
  const count = Number(process.env.PUSH_CHANGES ?? 100);
  const names = (process.env.PUSH_BACKENDS ?? 'graph,ews').split(',').map((n) => n.trim());
  const figures: Figure[] = [];
  for (const name of names) {
    const backend = BACKENDS[name];
    if (!backend) throw new Error(`unknown push backend ${name}; known: ${Object.keys(BACKENDS).join(', ')}`);
    const scenario = await startPushScenario(backend);
    try {
      for (const [direction, run] of [
        ['Outlook → Nextcloud', () => scenario.outlookToNextcloud(count, { spacingMs: SPACING_MS })],
        ['Nextcloud → Exchange', () => scenario.nextcloudToExchange(count, { spacingMs: SPACING_MS })],
      ] as const) {
        const took = await run();
        const p50 = percentile(took, 50);
        const p95 = percentile(took, 95);
        console.log(
          `push latency (${backend.name}), ${direction}: ${took.length} changes, p50 ${(p50 / 1000).toFixed(2)} s, ` +
            `p95 ${(p95 / 1000).toFixed(2)} s, max ${(Math.max(...took) / 1000).toFixed(2)} s ` +
            `(goal p95 < 10 s: ${p95 < 10_000 ? 'met' : 'NOT met'})`,
        );
        figures.push({ name: `push ${backend.name} ${direction} p50 latency`, items: 1, ms: p50 });
        figures.push({ name: `push ${backend.name} ${direction} p95 latency`, items: 1, ms: p95 });
      }
    } finally {
      await scenario.close();
    }
  }
  return figures;
}

if (process.argv[1]?.endsWith('push.bench.ts')) {
  await pushBenchmarks();
  process.exit(0);
}
