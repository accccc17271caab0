import Taro, { chooseImage } from '../taro'
import { chooseAddress } from '../helpers'
Page({
  onLoad () {
    Taro.getLocation({ type: 'wgs84' }) // CALL getLocation
    chooseImage({ count: 1 }) // CALL chooseImage
    if (Taro.getUserProfile) { Taro.getEnv() } // feature test
    return chooseAddress() // the app's helper: not a call site
  },
  share () { return Taro.setClipboardData({ data: 'x' }) } // CALL setClipboardData
})
