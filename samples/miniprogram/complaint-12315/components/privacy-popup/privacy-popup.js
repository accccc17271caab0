Component({
  data: { visible: false },
  methods: {
    show() { this.setData({ visible: true }) },
    openContract() { wx.openPrivacyContract({}) },
    agree() {
      const app = getApp()
      app.globalData.privacyResolves.forEach((resolve) => resolve({ buttonId: 'agree-btn', event: 'agree' }))
      app.globalData.privacyResolves = []
      this.setData({ visible: false })
    },
    disagree() {
      const app = getApp()
      app.globalData.privacyResolves.forEach((resolve) => resolve({ event: 'disagree' }))
      app.globalData.privacyResolves = []
      this.setData({ visible: false })
    }
  }
})
