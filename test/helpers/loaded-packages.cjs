// Preloaded (`node --require`) into a child process by a test: when it exits, the npm packages it
// loaded, with how many of their modules, are written as JSON to LOADED_PACKAGES_FILE.
'use strict';
const file = process.env.LOADED_PACKAGES_FILE;
if (file) {
  process.on('exit', () => {
    const packages = {};
    for (const path of Object.keys(require.cache)) {
      const match = /node_modules[\\/]((@[^\\/]+[\\/])?[^\\/]+)/.exec(path);
      if (match) packages[match[1].replace('\\', '/')] = (packages[match[1].replace('\\', '/')] ?? 0) + 1;
    }
    require('node:fs').writeFileSync(file, JSON.stringify(packages));
  });
}
