"use strict";
// clerk-harness: loaded with `NODE_OPTIONS=--require` into Playwright's driver only (see clerk_harness.browser.firefox_driver_patch).
// A .cjs file: CommonJS whatever package.json surrounds it (an app with "type": "module" included).
// In Playwright's driver process only: while Node loads the driver's coreBundle.js, its sends of the one BiDi
// command Firefox ESR 153 does not know become the driver's own sendMayFail (logged and ignored on failure).
if (process.argv.includes("run-driver")) {
  const Module = require("module");
  const fs = require("fs");
  const path = require("path");
  const SENT = '.send("emulation.setMediaFeaturesOverride"';
  const MAY_FAIL = '.sendMayFail("emulation.setMediaFeaturesOverride"';
  const load = Module._extensions[".js"];
  Module._extensions[".js"] = function (module, filename) {
    if (!filename.endsWith(path.join("lib", "coreBundle.js"))) return load(module, filename);
    const source = fs.readFileSync(filename, "utf8");
    module._compile(source.split(SENT).join(MAY_FAIL), filename);
  };
}
