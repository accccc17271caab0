// A location SDK in the shape of qqmap-wx-jssdk: reads the position and sends it to Tencent's LBS host.
function LocationSdk (options) { this.key = options.key }
LocationSdk.prototype.reverseGeocoder = function (done) {
  var key = this.key
  wx.getLocation({ // CALL getLocation (third party)
    type: 'gcj02',
    success: function (res) {
      wx.request({ url: 'https://apis.map.qq.com/ws/geocoder/v1/', data: { key: key, location: res.latitude + ',' + res.longitude }, success: done })
    }
  })
}
module.exports = LocationSdk
