// A Taro 3 (React) page as Babel compiles its JSX: the elements exist only here, base.wxml binds them.
import { jsx, jsxs } from '../jsx-runtime'
import { Button, Camera, Input, LivePusher, View } from '../components'
// an icon factory (lucide's shape) named like an element: its second argument is path data, no props
const registry = []
function icon (name, node) { registry.push(name); return { name: name, node: node, index: registry.length } }
const circle = [['circle', { cx: '12', cy: '13', r: '3' }]]
const CameraIcon = icon('camera', circle)
const UserIcon = icon('user', circle)
Page({
  render (props) {
    return jsxs(View, {
      className: 'login',
      children: [
        jsx(Button, { openType: 'getPhoneNumber', onGetPhoneNumber: props.onPhone, children: '手机号登录' }), // ELEMENT button[open-type=getPhoneNumber]
        jsx(Button, { openType: props.kind, children: '其他方式' }), // a bound openType cannot be read
        jsx(Button, { openType: 'share', children: '分享' }), // collects nothing
        jsx(Input, { type: 'nickname', onBlur: props.onNick }), // ELEMENT input[type=nickname]
        jsx(Camera, { devicePosition: 'front' }), // ELEMENT camera
        jsx(LivePusher, { url: props.url, enableCamera: false }), // ELEMENT live-pusher#record
        jsx(View, { className: 'icon', children: [CameraIcon, UserIcon] })
      ]
    })
  }
})
