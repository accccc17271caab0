// In the shape of @tarojs/taro's index.js: CommonJS, the API object is both the module and its default.
var hooks = require('./hooks')
var api = require('./api').default
hooks.call('initNativeApi', api)
module.exports = api
module.exports.default = module.exports
