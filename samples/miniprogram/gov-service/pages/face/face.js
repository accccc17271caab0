Page({
  // 刷脸认证：先拍一张自拍照上传做人脸比对
  startFaceVerify() {
    wx.chooseImage({
      count: 1,
      sourceType: ['camera'],
      success: (res) => {
        wx.uploadFile({
          url: 'https://gov.example.cn/face/compare',
          filePath: res.tempFilePaths[0],
          name: 'faceImage'
        })
      }
    })
  }
})
