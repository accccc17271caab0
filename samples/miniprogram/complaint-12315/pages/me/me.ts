interface MeData {
  avatarUrl: string
  nickname: string
}

Page<MeData, WechatMiniprogram.IAnyObject>({
  data: { avatarUrl: '', nickname: '' },
  onChooseAvatar(e: WechatMiniprogram.CustomEvent<{ avatarUrl: string }>): void {
    this.setData({ avatarUrl: e.detail.avatarUrl })
  },
  onNickname(e: WechatMiniprogram.CustomEvent<{ value: string }>): void {
    this.setData({ nickname: e.detail.value })
  }
})
