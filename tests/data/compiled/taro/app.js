import Taro from './taro'
export default { onLaunch () { Taro.getEnv() } }
