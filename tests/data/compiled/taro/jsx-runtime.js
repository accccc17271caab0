// In the shape of react/jsx-runtime: what Babel compiles each JSX element of a Taro 3 page into.
export function jsx (type, props) { return { type: type, props: props } }
export function jsxs (type, props) { return { type: type, props: props } }
