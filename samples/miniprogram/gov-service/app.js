App({
  globalData: { city: '' },
  onLaunch() {
    console.log('政务服务启动')
  }
})
