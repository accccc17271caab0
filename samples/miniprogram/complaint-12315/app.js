// 12315 消费投诉：在 App 级统一处理隐私授权，首个隐私接口调用前弹出自定义隐私弹窗。
App({
  globalData: { privacyResolves: [] },
  onLaunch() {
    wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
      // 交给页面上的 <privacy-popup> 组件展示《隐私保护指引》并等待用户点击同意
      this.globalData.privacyResolves.push(resolve)
      const pages = getCurrentPages()
      const page = pages[pages.length - 1]
      if (page && page.selectComponent) {
        const popup = page.selectComponent('#privacy-popup')
        if (popup) popup.show(eventInfo.referrer)
      }
    })
  }
})
