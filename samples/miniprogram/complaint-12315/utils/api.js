const BASE = 'https://12315.example.org/api'

function post(path, data) {
  return new Promise((resolve, reject) => {
    wx.request({ url: BASE + path, method: 'POST', data, success: resolve, fail: reject })
  })
}

module.exports = { post }
