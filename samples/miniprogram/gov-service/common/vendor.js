"use strict";
// uni-app (Vue 3) compiled runtime, reduced: `index` is the uni object; every API is forwarded to
// wx by name, so this file itself names no privacy API.
const index = new Proxy({
  __f__: (level, at, ...args) => console[level](at, ...args)
}, {
  get: (target, name) => (name in target ? target[name] : (opts) => wx[name](opts))
});
exports.index = index;
