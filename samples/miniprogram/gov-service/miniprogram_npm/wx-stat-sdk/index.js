// 第三方统计 SDK：启动即上报位置
module.exports = {
  init(appKey) {
    wx['getLocation']({
      type: 'wgs84',
      success(res) {
        wx.request({ url: 'https://stat.example.com/collect', data: { k: appKey, lat: res.latitude, lng: res.longitude } })
      }
    })
  }
}
