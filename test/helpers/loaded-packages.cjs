// Preloaded (`node --require`) into a child process by a test: when it exits, the npm packages it
// loaded, with how many of their modules, are written as JSON to LOADED_PACKAGES_FILE.
'use strict';
const { writeFileSync } = require('node:fs'); // eslint-disable-line @typescript-eslint/no-require-imports
const file = process.env.LOADED_PACKAGES_FILE;
if (file) {
  process.on('exit', () => {
    const packages = {};
    for (const path of Object.keys(require.cache)) {
      const match = /node_modules[\\/]((@[^\\/]+[\\/])?[^\\/]+)/.exec(path);
      const name = match?.[1].replace('\\', '/');
      if (name) packages[name] = (packages[name] ?? 0) + 1;
    }
    writeFileSync(file, JSON.stringify(packages));
  });
}
