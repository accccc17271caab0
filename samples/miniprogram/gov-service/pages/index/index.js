// 首页一打开就定位，推荐附近的政务服务大厅；通过别名调用 wx
const w = wx
const clip = require('../../utils/clipboard.js')

Page({
  data: { city: '', halls: [] },
  onLoad() {
    w.getLocation({
      type: 'gcj02',
      success: (res) => {
        this.setData({ city: '定位中' })
        this.loadHalls(res.latitude, res.longitude)
      }
    })
    clip.readInviteCode()
  },
  loadHalls(lat, lng) {
    wx.request({ url: 'https://gov.example.cn/halls', data: { lat, lng } })
  },
  onPhone(e) {
    wx.request({ url: 'https://gov.example.cn/login', data: { code: e.detail.code } })
  }
})
