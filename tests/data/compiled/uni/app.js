(function (uni) {
  require('./runtime').createApp({ onLaunch: function () { uni.getSystemInfoSync() } })
}).call(this, require('./runtime')['default'])
