Page({
  data: { notice: '请如实填写投诉内容，12315 将在 7 个工作日内决定是否受理。' },
  onShareAppMessage() {
    return { title: '12315 消费投诉', path: '/pages/index/index' }
  }
})
