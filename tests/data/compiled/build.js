// Builds the compiled mini-program fixtures with webpack 5 in production mode (terser minifies and
// renames every module parameter), in the two module styles real frameworks emit:
//   uni/  -> common/vendor.js + pages/index/index.js: JSONP chunks on `webpackJsonp`, uni reached as the
//            parameter of `(function(uni){...}).call(this, require("./runtime").default)`
//   taro/ -> taro.js + pages/index/index.js: the framework's CommonJS API object filled by an
//            initNativeApi hook, reached through webpack's n.n() getter and named imports;
//            pages/login/login.js: JSX compiled to jsx(Button, {openType: ...}) calls (Taro 3 React)
//   uni-natural/, uni-dev/ -> the uni/ sources with numeric module ids (`moduleIds: 'natural'`), so
//            webpack writes module tables as arrays (`[, fn, , fn]`); uni-dev/ is a development build
//            (no minifier, `__webpack_require__(/*! ../runtime */ 1)["default"]`), as uni-app's dev
//            output and packages built from it look
// Usage: node build.js OUT_DIR   (run by tests/test_miniprogram_compiled.py with tests/toolchain's webpack)
'use strict'
const path = require('path')
const webpack = require(require.resolve('webpack', { paths: [path.join(__dirname, '..', '..', 'toolchain')] }))

const out = path.resolve(process.argv[2])
const common = {
  mode: 'production',
  devtool: false,
  target: 'web',
  context: __dirname,
  output: { filename: '[name].js', chunkLoadingGlobal: 'webpackJsonp', globalObject: 'wx' },
  performance: { hints: false },
}
const configs = [
  {
    ...common,
    entry: { app: './uni/app.js', 'pages/index/index': './uni/pages/index.js' },
    output: { ...common.output, path: path.join(out, 'uni') },
    optimization: {
      runtimeChunk: { name: 'common/runtime' },
      splitChunks: { cacheGroups: { vendor: { test: /uni[\\/](runtime|utils|qqmap)/, name: 'common/vendor', chunks: 'all', enforce: true } } },
    },
  },
  ...['production', 'development'].map((mode) => ({
    ...common,
    mode,
    entry: { app: './uni/app.js', 'pages/index/index': './uni/pages/index.js' },
    output: { ...common.output, path: path.join(out, mode === 'production' ? 'uni-natural' : 'uni-dev') },
    optimization: {
      moduleIds: 'natural',
      chunkIds: 'natural',
      runtimeChunk: { name: 'common/runtime' },
      splitChunks: { cacheGroups: { vendor: { test: /uni[\\/](runtime|utils|qqmap)/, name: 'common/vendor', chunks: 'all', enforce: true } } },
    },
  })),
  {
    ...common,
    entry: { app: './taro/app.js', 'pages/index/index': './taro/pages/index.js', 'pages/login/login': './taro/pages/login.js' },
    output: { ...common.output, path: path.join(out, 'taro') },
    optimization: {
      runtimeChunk: { name: 'runtime' },
      splitChunks: { cacheGroups: { taro: { test: /taro[\\/](taro|hooks|api|helpers)/, name: 'taro', chunks: 'all', enforce: true } } },
    },
  },
]
webpack(configs, (err, stats) => {
  if (err || stats.hasErrors()) {
    console.error(err || stats.toString('errors-only'))
    process.exit(1)
  }
})
