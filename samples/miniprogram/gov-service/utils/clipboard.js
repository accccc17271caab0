// 读取剪切板中的邀请码；解构出 setClipboardData 用于复制办事编号
const { setClipboardData } = wx

function readInviteCode() {
  wx.getClipboardData({
    success(res) {
      if (/^GOV\d{6}$/.test(res.data)) wx.setStorageSync('invite', res.data)
    }
  })
}

function copyCaseNo(no) {
  setClipboardData({ data: no })
}

module.exports = { readInviteCode, copyCaseNo }
