// The platform plugin's hook: copies every wx API onto the object handed to initNativeApi.
exports.call = function (name, target) {
  if (name === 'initNativeApi') { Object.keys(wx).forEach(function (key) { target[key] = wx[key] }) }
}
