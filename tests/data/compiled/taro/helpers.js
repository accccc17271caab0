// The app's own helpers: a function named like a privacy API that is no privacy API.
export function chooseAddress () { return Promise.resolve({ city: 'Hangzhou' }) }
