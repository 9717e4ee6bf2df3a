// The SQL migrations the schema function runs. Run from source (tests), this
// module reads lib/database/sql; in the migrate bundle the build replaces it
// with the same files imported as text (lib/runtime/build.ts), so the SQL is
// part of the bundle's index.js, covered by the hashes the template writes.
import { loadMigrations, Migration } from '../database/migrations';

export const EMBEDDED_MIGRATIONS: readonly Migration[] = loadMigrations();
