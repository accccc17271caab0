"use strict";
// uni-app 编译产物：uni.chooseAddress 编译为 common_vendor.index.chooseAddress
const common_vendor = require("../../common/vendor.js");
const _sfc_main = {
  data() {
    return { address: null };
  },
  methods: {
    pickAddress() {
      common_vendor.index.chooseAddress({
        success: (res) => {
          common_vendor.index.__f__("log", "at pages/handle/handle.vue:14", "收件地址已选择");
          this.address = res;
        }
      });
    }
  }
};
wx.createPage(_sfc_main);
