'use strict';
// What `require('whatsapp-call-permissions')` (or any of its entries) loads: the package is ESM only,
// and says so instead of Node's ERR_PACKAGE_PATH_NOT_EXPORTED. See the README, "ESM only".
const error = new Error(
  'whatsapp-call-permissions is ESM only — use import(). ' +
    "From CommonJS: `const { createCallPermissionEngine } = await import('whatsapp-call-permissions');` " +
    '(or make your file an ES module: "type": "module" in package.json, or the .mjs/.mts extension).',
);
error.code = 'ERR_REQUIRE_ESM';
throw error;
