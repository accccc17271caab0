// The framework's API object, empty until the platform hook fills it (as @tarojs/api).
const taro = { getEnv () { return 'WEAPP' } }
export default taro
