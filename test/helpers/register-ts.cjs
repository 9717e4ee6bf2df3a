// First setup file of the light project (package.json, "jest"): jest-light-runner loads the test
// files with Node's own import(), without jest's transform, so TypeScript is compiled as it loads
// by tsx, in each worker process, for require() and import() alike (what `node --import tsx` does).
'use strict';
module.exports = () => import('tsx');
