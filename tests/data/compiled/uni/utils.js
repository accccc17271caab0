// App utilities compiled into common/vendor.js, reaching uni as an IIFE parameter.
(function (uni) {
  exports.locate = function locate () {
    return new Promise(function (resolve, reject) {
      uni.getLocation({ type: 'gcj02', success: resolve, fail: reject }) // CALL getLocation
    })
  }
  exports.chooseImage = function chooseImage (options) {
    return new Promise(function (resolve) {
      uni.chooseImage(Object.assign({}, options, { success: resolve })) // CALL chooseImage
    })
  }
  exports.canAskProfile = function () { return !!wx.getUserProfile } // feature test, not a call
  exports.canChooseAvatar = { profile: Boolean(uni.getUserProfile) } // feature test as Babel/Taro write it (kept by the dev build)
  exports.pickFile = function (done) {
    var pick = uni.chooseFile
    if (typeof wx !== 'undefined' && typeof wx.chooseMessageFile === 'function') { pick = wx.chooseMessageFile } // CALL chooseMessageFile (the reference)
    pick({ count: 1, success: done })
  }
}).call(this, require('./runtime')['default'])
