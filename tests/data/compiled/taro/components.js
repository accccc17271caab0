// In the shape of @tarojs/components for mini-programs: each component is its element's name.
export const View = 'view'
export const Button = 'button'
export const Input = 'input'
export const Camera = 'camera'
export const LivePusher = 'live-pusher'
