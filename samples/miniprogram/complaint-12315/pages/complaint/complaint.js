const api = require('../../utils/api.js')

Page({
  data: { merchant: '', location: null, evidence: [], phoneCode: '', content: '' },
  onMerchant(e) { this.setData({ merchant: e.detail.value }) },
  onContent(e) { this.setData({ content: e.detail.value }) },
  pickMerchantLocation() {
    wx.chooseLocation({
      success: (res) => this.setData({ location: { name: res.name, address: res.address } })
    })
  },
  addEvidence() {
    wx.chooseMedia({
      count: 9,
      mediaType: ['image'],
      sourceType: ['album', 'camera'],
      success: (res) => this.setData({ evidence: res.tempFiles.map((f) => f.tempFilePath) })
    })
  },
  onPhoneNumber(e) {
    // 只把一次性 code 交给后端换取手机号，前端不保存手机号
    if (e.detail.code) this.setData({ phoneCode: e.detail.code })
  },
  submit() {
    api.post('/complaints', this.data).then(() => wx.showToast({ title: '已提交' }))
  }
})
