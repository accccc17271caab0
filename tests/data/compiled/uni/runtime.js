// A wrapper of wx in the shape of uni-app's mini-program runtime: named exports createApp, createPage,
// createComponent, and a default export that forwards every API name to wx.
const target = {}
const uni = typeof Proxy !== 'undefined' ? new Proxy(target, { get (t, name) { return t[name] || wx[name] } }) : target

export function createApp (app) { return App(app) }
export function createPage (page) { return Page(page) }
export function createComponent (component) { return Component(component) }
export default uni
