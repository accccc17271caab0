(function (uni) {
  var utils = require('../utils')
  var LocationSdk = require('../qqmap')
  require('../runtime').createPage({
    copy: function (text) { uni.setClipboardData({ data: text }) }, // CALL setClipboardData
    avatar: function () { return utils.chooseImage({ count: 1 }) }, // the app's wrapper: not a call site
    where: function () { new LocationSdk({ key: 'k' }).reverseGeocoder(function () {}) },
    onLoad: function () { if (typeof uni.getLocation === 'function') { utils.locate() } } // feature test
  })
}).call(this, require('../runtime')['default'])
