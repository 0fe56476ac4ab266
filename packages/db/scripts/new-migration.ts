// Writes the next migration from the difference between prisma/migrations and prisma/schema.prisma, using
// Prisma's own schema engine (WebAssembly), so the SQL is what `prisma migrate dev --create-only` would write.
// Usage: pnpm --filter @exsync/db migration:new <snake_case_name>
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { nextMigrationSql, schemaPath } from '../src/dev/prisma-schema-engine';
import { defaultMigrationsDir } from '../src/migrator';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('Give the migration a snake_case name, e.g. `pnpm --filter @exsync/db migration:new add_user_locale`.');
  process.exit(2);
}
const diff = await nextMigrationSql(
  defaultMigrationsDir,
  await readFile(schemaPath, 'utf8'),
  process.env.EXSYNC_SHADOW_DATABASE_URL || undefined,
);
if (diff.inSync) {
  console.log('prisma/schema.prisma and prisma/migrations already agree; no migration written.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const folder = path.join(defaultMigrationsDir, `${stamp}_${name}`);
await mkdir(folder, { recursive: true });
await writeFile(path.join(folder, 'migration.sql'), diff.script);
console.log(`Wrote ${path.relative(process.cwd(), folder)}/migration.sql:\n\n${diff.script}`);
